// Polls an export's progress once a second and reloads the page when the build ends.
(function () {
  const bar = document.getElementById("export-progress");
  if (!bar || !bar.dataset.url) return;
  async function poll() {
    try {
      const response = await fetch(bar.dataset.url, {headers: {"Accept": "application/json"}});
      if (response.ok) {
        const p = await response.json();
        bar.value = p.percent;
        document.getElementById("export-status").textContent = p.status;
        document.getElementById("export-rows").textContent =
          p.rows + (p.total ? " / " + p.total : "") + " rows";
        document.getElementById("export-error").textContent = p.error;
        if (p.status === "done" || p.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();

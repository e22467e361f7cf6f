// Send the samples file to the import API, showing the upload's progress, then its answer:
// what was created, or every error with its line.
(() => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.getElementById("upload-progress");
  const percent = form.querySelector("[data-testid=upload-percent]");
  const result = document.querySelector("[data-testid=upload-result]");
  const button = form.querySelector("button[type=submit]");

  function show(kind, title, items) {
    result.className = `upload-result ${kind}`;
    result.replaceChildren();
    const p = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = title;
    p.appendChild(strong);
    result.appendChild(p);
    if (items.length) {
      const ul = document.createElement("ul");
      for (const text of items) {
        const li = document.createElement("li");
        li.textContent = text;
        li.dataset.testid = "upload-error";
        ul.appendChild(li);
      }
      result.appendChild(ul);
    }
  }

  const where = (e) => {
    let place = e.file || "";
    if (e.line != null) place += place ? `:${e.line}` : `line ${e.line}`;
    if (e.field) place += place ? ` ${e.field}` : e.field;
    return place ? `${place}: ${e.message}` : e.message;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.querySelector("#samples-file").files[0];
    if (!file) return;
    const params = new URLSearchParams();
    const format = form.querySelector("#samples-format").value;
    if (format) params.set("format", format);
    if (form.querySelector("#samples-update").checked) params.set("update", "true");
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${form.dataset.api}${params.toString() ? `?${params}` : ""}`);
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
    xhr.setRequestHeader("Accept", "application/json");
    form.querySelector(".upload-progress").hidden = false;
    bar.value = 0;
    percent.textContent = "0%";
    button.disabled = true;
    result.replaceChildren();
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const done = Math.round((100 * e.loaded) / e.total);
      bar.value = done;
      percent.textContent = `${done}%`;
    });
    xhr.upload.addEventListener("load", () => {
      percent.textContent = "100%, checking the samples…";
    });
    xhr.addEventListener("load", () => {
      button.disabled = false;
      bar.value = 100;
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch (e) {
        data = { detail: `The server answered ${xhr.status}.` };
      }
      if (xhr.status === 200 || xhr.status === 201) {
        percent.textContent = "Done";
        const items = data.conflicts_total
          ? [`${data.conflicts_total} changed sample(s) left alone; tick “Replace” to update them.`]
          : [];
        show("ok", data.summary, items);
      } else {
        percent.textContent = "Not imported";
        const errors = (data.errors || []).map(where);
        show("error", `${data.detail || "The import failed."} Nothing was written.`, errors);
      }
    });
    xhr.addEventListener("error", () => {
      button.disabled = false;
      show("error", "The upload did not reach the server; try again.", []);
    });
    xhr.send(body);
  });
})();

// Copy a newly shown key to the clipboard; select it where the clipboard is not available.
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copied";
    } catch (e) {
      button.textContent = "Selected: press Ctrl+C";
    }
  });
});

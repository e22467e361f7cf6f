/* Page-wide single-key shortcuts: an element with data-key="x" is clicked when x is pressed.
 * A key never fires while focus is in or on text: a text box, anything editable, or any other
 * element that took focus (such as a scrolling box), so typing is always just typing.
 * The review page has its own keys (review.js); what it handles it marks as handled. */
(function () {
  "use strict";

  const SAFE_INPUTS = ["radio", "checkbox", "button", "submit", "reset"];
  const SAFE_TAGS = ["BODY", "HTML", "BUTTON", "A", "SUMMARY"];

  /* True when keys should be left to the focused element: it takes text, or it is something
   * that is neither a control nor the page itself (a scrolling box, a text region). */
  function isText(el) {
    if (!el || !el.tagName) return false;
    if (el.hasAttribute("data-keys")) return false; // opted in: keys act here
    if (el.isContentEditable) return true;
    if (el.closest && el.closest("[data-text-region]")) return true;
    if (el.tagName === "INPUT") return !SAFE_INPUTS.includes(el.type);
    return !SAFE_TAGS.includes(el.tagName);
  }

  window.RoundsKeys = { isText: isText };

  window.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key.length !== 1 || isText(event.target)) return;
    const key = event.key.toLowerCase();
    const target = Array.from(document.querySelectorAll("[data-key]")).find(
      (el) => el.dataset.key === key && !el.disabled && el.offsetParent !== null
    );
    if (!target) return;
    event.preventDefault();
    target.focus();
    target.click();
  });
})();

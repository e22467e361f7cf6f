/* The comparison page's keys: 1-4 choose the response shown in that place, "=" a tie; each
 * choice moves on to the next question, the last one to the rationale. Ctrl+Enter submits, once.
 * Keys never act while the physician types in the rationale. */
(function () {
  "use strict";

  const form = document.querySelector("[data-compare-form]");
  if (!form) return;
  const groups = Array.from(form.querySelectorAll("fieldset[data-criterion]"));
  const rationale = form.querySelector("#id_rationale");
  let submitted = false;

  function focusGroup(group) {
    const input = group.querySelector("input:checked") || group.querySelector("input");
    if (input) input.focus();
  }

  function currentGroup(target) {
    const group = target && target.closest ? target.closest("fieldset[data-criterion]") : null;
    if (group && groups.includes(group)) return group;
    return null;
  }

  form.addEventListener("submit", (event) => {
    if (submitted) event.preventDefault();
    submitted = true;
  });

  window.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      if (!submitted) form.requestSubmit();
      return;
    }
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!/^[1-4=]$/.test(event.key)) return;
    if (window.RoundsKeys && window.RoundsKeys.isText(event.target)) return;
    let group = currentGroup(event.target);
    if (!group) group = groups.find((g) => !g.querySelector("input:checked")) || groups[0];
    const value = event.key === "=" ? "tie" : event.key;
    const input = group.querySelector('input[value="' + value + '"]');
    if (!input) return;
    event.preventDefault();
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    const next = groups[groups.indexOf(group) + 1];
    if (next) focusGroup(next);
    else rationale.focus();
  });

  const firstError = form.querySelector("fieldset.has-error");
  focusGroup(firstError || groups[0]);
})();

/* Sample criteria pages: Ctrl+Enter submits, live guidance for atomic, checkable criteria, and
 * "e" on the validation page moves to the edit box (Ctrl+Enter there saves the edit). */
(function () {
  "use strict";

  const MAX_WORDS = 40;

  function warnings(text) {
    const out = [];
    const ands = (text.match(/\band\b/gi) || []).length;
    if (/;|\bas well as\b|\band also\b|\band then\b/i.test(text) || ands >= 2) {
      out.push("This may join two checks: write one criterion per check.");
    }
    if (text.trim().split(/\s+/).filter(Boolean).length > MAX_WORDS) {
      out.push("This runs long (over " + MAX_WORDS + " words): a grader must check it at a glance.");
    }
    return out;
  }

  const form = document.querySelector("[data-criterion-form]");
  if (form) {
    const text = form.querySelector("#id_text");
    const box = form.querySelector("[data-warnings]");
    const update = () => { box.textContent = warnings(text.value).join(" "); };
    text.addEventListener("input", update);
    update();
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  const validate = document.querySelector("[data-validate-form]");
  if (validate) {
    const edit = validate.querySelector("#id_suggested_text");
    validate.querySelector("[data-start-edit]").addEventListener("click", () => {
      edit.focus();
      edit.select();
    });
    edit.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        validate.requestSubmit(validate.querySelector("#save-edit"));
      }
    });
  }

  const grade = document.querySelector("[data-grade-form]");
  if (grade) {
    const groups = Array.from(grade.querySelectorAll("fieldset[data-criterion]"));
    grade.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        grade.requestSubmit();
        return;
      }
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      const key = event.key.toLowerCase();
      const group = event.target.closest && event.target.closest("fieldset[data-criterion]");
      if (!group || (key !== "y" && key !== "n")) return;
      event.preventDefault();
      group.querySelector(`input[value="${key === "y" ? "yes" : "no"}"]`).checked = true;
      const next = groups[groups.indexOf(group) + 1];
      (next ? next.querySelector("input") : grade.querySelector("#save-grades")).focus();
    });
  }
})();

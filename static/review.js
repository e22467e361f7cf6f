/* Review page: keyboard shortcuts, a live word diff of the correction, and draft autosave.
 * Plain JavaScript, no dependencies; the form works without it (plain POST). */
(function () {
  "use strict";

  // ---- Word diff (Myers' O((N+M)D) algorithm over word and whitespace tokens) -------------

  function tokenize(text) {
    return text.match(/\s+|[^\s]+/g) || [];
  }

  /* Edit script turning a into b: a list of [op, token] with op "=", "-" or "+". */
  function diffTokens(a, b, maxEdits) {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    const head = a.slice(0, start).map((t) => ["=", t]);
    const tail = a.slice(endA).map((t) => ["=", t]);
    const x0 = a.slice(start, endA);
    const y0 = b.slice(start, endB);
    const n = x0.length;
    const m = y0.length;
    const max = n + m;
    const limit = Math.min(max, maxEdits || 4000);
    const off = max + 1;
    const v = new Int32Array(2 * max + 3);
    const trace = [];
    let found = -1;
    for (let d = 0; d <= limit && found < 0; d++) {
      trace.push(v.slice());
      for (let k = -d; k <= d; k += 2) {
        let x;
        if (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
        else x = v[off + k - 1] + 1;
        let y = x - k;
        while (x < n && y < m && x0[x] === y0[y]) {
          x++;
          y++;
        }
        v[off + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break;
        }
      }
    }
    let middle;
    if (found < 0) {
      // Too different to be worth aligning: show it as replaced.
      middle = x0.map((t) => ["-", t]).concat(y0.map((t) => ["+", t]));
    } else {
      middle = [];
      let x = n;
      let y = m;
      for (let d = found; d >= 0; d--) {
        const vd = trace[d];
        const k = x - y;
        const prevK =
          k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1]) ? k + 1 : k - 1;
        const prevX = vd[off + prevK];
        const prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
          middle.push(["=", x0[x - 1]]);
          x--;
          y--;
        }
        if (d > 0) {
          if (x === prevX) middle.push(["+", y0[y - 1]]);
          else middle.push(["-", x0[x - 1]]);
        }
        x = prevX;
        y = prevY;
      }
      middle.reverse();
    }
    return head.concat(middle, tail);
  }

  /* Runs for display: each change reads as whole phrases, what was removed and then what
   * replaced it; unchanged whitespace between two changes belongs to both sides. */
  function diffRuns(ops) {
    const runs = [];
    let i = 0;
    while (i < ops.length) {
      if (ops[i][0] === "=") {
        let text = "";
        while (i < ops.length && ops[i][0] === "=") text += ops[i++][1];
        runs.push({ op: "=", text: text });
        continue;
      }
      let end = i + 1;
      for (let j = i + 1; j < ops.length; j++) {
        if (ops[j][0] !== "=") end = j + 1;
        else if (!/^\s+$/.test(ops[j][1])) break;
      }
      let removed = "";
      let added = "";
      for (let k = i; k < end; k++) {
        if (ops[k][0] !== "+") removed += ops[k][1];
        if (ops[k][0] !== "-") added += ops[k][1];
      }
      if (removed) runs.push({ op: "-", text: removed });
      if (added) runs.push({ op: "+", text: added });
      i = end;
    }
    return slideWhitespace(runs);
  }

  /* "mg[+ twice] daily" reads better as "mg [+twice ]daily": a pure insertion or deletion that
   * starts with the whitespace the next unchanged run also starts with moves one step right. */
  function slideWhitespace(runs) {
    for (let i = 1; i + 1 < runs.length; i++) {
      const [before, change, after] = [runs[i - 1], runs[i], runs[i + 1]];
      if (before.op !== "=" || after.op !== "=" || change.op === "=") continue;
      const lead = change.text.match(/^\s+/);
      if (!lead || !after.text.startsWith(lead[0]) || !change.text.trim()) continue;
      before.text += lead[0];
      change.text = change.text.slice(lead[0].length) + lead[0];
      after.text = after.text.slice(lead[0].length);
    }
    return runs.filter((run) => run.text !== "");
  }

  function wordsIn(text) {
    return (text.match(/[^\s]+/g) || []).length;
  }

  function renderDiff(container, summary, original, corrected) {
    const runs = diffRuns(diffTokens(tokenize(original), tokenize(corrected)));
    let added = 0;
    let removed = 0;
    const frag = document.createDocumentFragment();
    for (const run of runs) {
      let node;
      if (run.op === "=") node = document.createTextNode(run.text);
      else {
        node = document.createElement(run.op === "+" ? "ins" : "del");
        node.textContent = run.text;
        if (run.op === "+") added += wordsIn(run.text);
        else removed += wordsIn(run.text);
      }
      frag.appendChild(node);
    }
    container.replaceChildren(frag);
    const changed = added || removed || original !== corrected;
    container.hidden = !changed;
    if (summary) {
      summary.textContent = changed
        ? `${added} word${added === 1 ? "" : "s"} added, ${removed} removed`
        : "none";
    }
  }

  window.RoundsDiff = { tokenize: tokenize, diffTokens: diffTokens, diffRuns: diffRuns };

  // ---- The page --------------------------------------------------------------------------

  const form = document.querySelector("[data-review-form]");
  if (!form) return;
  const correction = form.querySelector("[data-correction]");
  const rationale = form.querySelector("#id_rationale");
  const diffBox = form.querySelector("[data-diff]");
  const diffSummary = form.querySelector("[data-diff-summary]");
  const originalNode = document.getElementById("original-answer");
  const original = originalNode ? JSON.parse(originalNode.textContent) : "";
  const verdictGroup = form.querySelector("fieldset[data-verdict]");
  const skipPanel = document.getElementById("skip-panel");
  const skipForm = document.querySelector("[data-skip-form]");
  const shortcuts = document.getElementById("shortcuts");
  const statusNode = form.querySelector("[data-draft-status]");

  // Live diff.
  let diffQueued = false;
  function refreshDiff() {
    diffQueued = false;
    if (correction && diffBox) renderDiff(diffBox, diffSummary, original, correction.value);
  }
  if (correction) {
    correction.addEventListener("input", () => {
      if (!diffQueued) {
        diffQueued = true;
        requestAnimationFrame(refreshDiff);
      }
    });
    refreshDiff();
  }

  // Keyboard. Single keys never act while focus is in or on text (static/keys.js decides what
  // counts as text: text boxes, anything editable, the diff panel, any focused scrolling box).
  function isTyping(el) {
    return window.RoundsKeys ? window.RoundsKeys.isText(el) : true;
  }

  const groups = Array.from(form.querySelectorAll("fieldset.criterion"));

  /* The criterion after `group` (the verdict after the last one), or null. */
  function nextGroup(group) {
    const index = groups.indexOf(group);
    return index >= 0 ? groups[index + 1] || null : null;
  }

  /* A radio group's one tab stop: its checked radio, else its first. */
  function focusGroup(group) {
    if (!group) return;
    const input =
      group.querySelector("input[type=radio]:checked") || group.querySelector("input[type=radio]");
    if (input) input.focus({ preventScroll: false });
  }

  function choose(input) {
    if (!input || input.disabled) return false;
    input.checked = true;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function byHotkey(scope, key) {
    return scope.querySelector(`input[type=radio][data-hotkey="${CSS.escape(key)}"]`);
  }

  function setVerdict(value) {
    const input = form.querySelector(`input[name=verdict][value="${value}"]`);
    if (!choose(input)) return;
    // What the verdict requires comes next: a correction for revise, a rationale for reject.
    if (value === "revise" && correction) correction.focus();
    else if (value === "reject" && rationale) rationale.focus();
  }

  function openSkip() {
    if (!skipPanel || !skipForm) return;
    skipPanel.open = true;
    focusGroup(skipForm.querySelector("fieldset"));
    skipPanel.scrollIntoView({ block: "nearest" });
  }

  /* Anything the physician entered that a skip would throw away. */
  function hasWork() {
    if (form.querySelector("fieldset.criterion input[type=radio]:checked")) return true;
    if (correction && correction.value !== "" && correction.value !== original) return true;
    return Boolean(rationale && rationale.value.trim());
  }

  // A skip is its own decision: never Ctrl+Enter, and a second confirmation when it would
  // discard grades or text already entered.
  const skipWarning = document.querySelector("[data-skip-warning]");
  const skipButton = skipForm && skipForm.querySelector("button[type=submit]");
  function warnSkip(text) {
    if (!skipWarning) return;
    skipWarning.textContent = text;
    skipWarning.hidden = false;
  }
  if (skipForm) {
    skipForm.addEventListener("submit", (event) => {
      if (skipForm.dataset.confirmed || !hasWork()) {
        form.dataset.sending = "1";
        return;
      }
      event.preventDefault();
      skipForm.dataset.confirmed = "1";
      warnSkip(
        "Skipping discards the grades and text you entered. " +
          "Press Enter again, or the button, to skip anyway."
      );
      if (skipButton) skipButton.firstChild.textContent = "Skip anyway, discarding my review ";
    });
  }
  if (skipPanel) {
    skipPanel.addEventListener("toggle", () => {
      if (skipPanel.open || !skipForm) return;
      delete skipForm.dataset.confirmed;
      if (skipWarning) skipWarning.hidden = true;
      if (skipButton) skipButton.firstChild.textContent = "Skip and next ";
    });
  }

  let beforeSheet = null;
  function toggleShortcuts() {
    shortcuts.open = !shortcuts.open;
    if (shortcuts.open) {
      beforeSheet = document.activeElement;
      shortcuts.scrollIntoView({ block: "nearest" });
      shortcuts.querySelector("summary").focus({ preventScroll: true });
    } else if (beforeSheet && beforeSheet.focus) {
      beforeSheet.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      if (form.dataset.sending) return; // one submit per page
      if (skipForm && skipForm.contains(target)) {
        // Ctrl+Enter sends the review, never a skip; in the skip panel it only says how.
        warnSkip("Ctrl+Enter sends the review, never a skip. To skip, press Enter on a reason.");
        return;
      }
      if (!form.querySelector("input:disabled")) form.requestSubmit();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(target)) {
      if (event.key === "Escape") {
        event.preventDefault();
        if (skipForm && skipForm.contains(target)) focusGroup(skipForm.querySelector("fieldset"));
        else focusGroup(verdictGroup);
      }
      return;
    }
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;

    if (skipForm && skipForm.contains(target)) {
      if (/^[1-9]$/.test(key) && choose(byHotkey(skipForm, key))) event.preventDefault();
      else if (key === "Enter" && target.type === "radio") {
        event.preventDefault();
        skipForm.requestSubmit();
      } else if (key === "Escape") {
        skipPanel.open = false;
        focusGroup(form.querySelector("fieldset.criterion"));
      }
      return;
    }

    const group = target.closest ? target.closest("fieldset.criterion") : null;
    if (group && form.contains(group)) {
      if (key === "Enter") {
        event.preventDefault(); // submitting takes Ctrl+Enter, never a stray Enter
        return;
      }
      const input = byHotkey(group, key);
      if (input) {
        event.preventDefault();
        if (group === verdictGroup) setVerdict(input.value);
        else if (choose(input)) focusGroup(nextGroup(group)); // on to the next criterion
        return;
      }
    }
    const verdicts = { a: "accept", v: "revise", r: "reject" };
    if (verdicts[key]) {
      event.preventDefault();
      setVerdict(verdicts[key]);
    } else if (key === "s" && skipForm) {
      event.preventDefault();
      openSkip();
    } else if (key === "?" && shortcuts) {
      event.preventDefault();
      toggleShortcuts();
    }
  });

  form.addEventListener("submit", () => {
    form.dataset.sending = "1";
  });

  // Start where the work is: the first criterion with an error, else the first one.
  const firstError = form.querySelector("fieldset.has-error");
  const summaryBox = document.getElementById("error-summary");
  if (firstError) focusGroup(firstError);
  else if (summaryBox) summaryBox.focus();
  else if (!document.querySelector("input[type=radio]:disabled")) {
    const first = form.querySelector("fieldset.criterion input[type=radio]");
    const group = first && first.closest("fieldset");
    const checked = group && group.querySelector("input:checked");
    (checked || first)?.focus({ preventScroll: true });
  }

  // Draft autosave: a second after the last change, and at once when the tab is hidden.
  const draftUrl = form.dataset.draftUrl;
  if (!draftUrl) return;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  let timer = null;
  let submitted = false;

  function snapshot() {
    const data = new FormData(form);
    const grades = {};
    for (const [name, value] of data) {
      if (name.startsWith("grade_")) grades[name.slice(6)] = value;
    }
    return JSON.stringify({
      grades: grades,
      verdict: data.get("verdict") || "",
      corrected_answer: data.get("corrected_answer") || "",
      rationale: data.get("rationale") || "",
    });
  }
  let saved = snapshot();

  function say(text) {
    if (statusNode) statusNode.textContent = text;
  }

  function save(keepalive) {
    clearTimeout(timer);
    timer = null;
    if (submitted) return;
    const body = snapshot();
    if (body === saved) return;
    fetch(draftUrl, {
      method: "POST",
      body: body,
      keepalive: !!keepalive,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    })
      .then((response) => {
        if (response.ok) {
          saved = body;
          const now = new Date();
          say(`Draft saved at ${now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
        } else {
          say(`Draft not saved (the server answered ${response.status}).`);
        }
      })
      .catch(() => {
        say("Draft not saved: the connection seems down; retrying.");
        if (!timer) timer = setTimeout(save, 5000);
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", () => {
    submitted = true;
    clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && timer) save(true);
  });
  window.addEventListener("pagehide", () => {
    if (timer) save(true);
  });
})();

// The rubric builder: criteria are added, removed and reordered here; every change rebuilds the
// project document (the same JSON a project file holds) and asks the server for the preview.
(() => {
  const section = document.querySelector(".builder");
  if (!section) return;
  const list = section.querySelector("#criteria");
  const template = section.querySelector("#criterion-template");
  const documentField = section.querySelector("#builder-document");
  const preview = section.querySelector("#preview");
  const csrf = section.querySelector("input[name=csrfmiddlewaretoken]").value;
  const slugify = (text) =>
    text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

  function criterionOf(item) {
    const get = (name) => item.querySelector(`[data-c=${name}]`);
    const label = get("label").value.trim();
    const kind = get("kind").value;
    const out = { key: get("key").value.trim() || slugify(label).replace(/-/g, "_"), label, kind };
    if (get("guidance").value.trim()) out.guidance = get("guidance").value.trim();
    if (get("allow_na").checked) out.allow_na = true;
    if (kind === "ordinal") {
      out.min = parseInt(get("min").value, 10);
      out.max = parseInt(get("max").value, 10);
      const labels = {};
      for (const line of lines(get("labels").value)) {
        const [value, ...rest] = line.split("=");
        if (rest.length) labels[value.trim()] = rest.join("=").trim();
      }
      if (Object.keys(labels).length) out.labels = labels;
    } else if (kind === "nominal") {
      out.choices = lines(get("choices").value);
    } else if (kind === "points") {
      out.points = parseInt(get("points").value, 10);
    }
    return out;
  }

  function buildDocument() {
    const field = (name) => section.querySelector(`[data-b=${name}]`).value.trim();
    const name = field("name");
    const doc = { slug: field("slug") || slugify(name), name, overlap: parseInt(field("overlap"), 10) || 3 };
    if (field("guidelines")) doc.guidelines = field("guidelines");
    doc.rubric = { name: field("rubric") || name, criteria: [...list.children].map(criterionOf) };
    return doc;
  }

  let timer = null;
  let asked = 0;
  async function refresh() {
    const doc = buildDocument();
    documentField.value = JSON.stringify(doc, null, 2);
    if (!doc.rubric.criteria.length) return;
    const mine = ++asked;
    const response = await fetch(section.dataset.previewUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: documentField.value,
      credentials: "same-origin",
    });
    const html = await response.text();
    if (mine === asked) preview.innerHTML = html;
  }
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };

  function renumber() {
    [...list.children].forEach((item, i) => {
      item.querySelector("[data-n]").textContent = String(i + 1);
      item.querySelector("[data-act=up]").disabled = i === 0;
      item.querySelector("[data-act=down]").disabled = i === list.children.length - 1;
    });
  }

  function showKind(item) {
    const kind = item.querySelector("[data-c=kind]").value;
    item.querySelectorAll("[data-only]").forEach((el) => {
      el.hidden = el.dataset.only !== kind;
    });
  }

  function add(spec) {
    const item = template.content.firstElementChild.cloneNode(true);
    list.appendChild(item);
    if (spec) fill(item, spec);
    showKind(item);
    renumber();
    if (!spec) item.querySelector("[data-c=label]").focus();
    changed();
  }

  // After a refused submit the page comes back with the document: rebuild the form from it.
  function fill(item, spec) {
    const set = (name, value) => {
      if (value !== undefined && value !== null) item.querySelector(`[data-c=${name}]`).value = value;
    };
    ["label", "key", "kind", "guidance", "min", "max", "points"].forEach((name) => set(name, spec[name]));
    item.querySelector("[data-c=allow_na]").checked = Boolean(spec.allow_na);
    if (spec.labels) set("labels", Object.entries(spec.labels).map(([k, v]) => `${k} = ${v}`).join("\n"));
    if (spec.choices) set("choices", spec.choices.join("\n"));
  }

  function restore() {
    let doc;
    try {
      doc = JSON.parse(documentField.value);
    } catch (e) {
      return;
    }
    const set = (name, value) => {
      if (value !== undefined && value !== null) section.querySelector(`[data-b=${name}]`).value = value;
    };
    set("name", doc.name);
    set("slug", doc.slug);
    set("overlap", doc.overlap);
    set("guidelines", doc.guidelines);
    set("rubric", doc.rubric && doc.rubric.name);
    ((doc.rubric && doc.rubric.criteria) || []).forEach((spec) => add(spec));
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-act]");
    if (!button) return;
    const item = button.closest("li");
    if (button.dataset.act === "remove") item.remove();
    if (button.dataset.act === "up" && item.previousElementSibling) list.insertBefore(item, item.previousElementSibling);
    if (button.dataset.act === "down" && item.nextElementSibling) list.insertBefore(item.nextElementSibling, item);
    renumber();
    changed();
  });
  list.addEventListener("change", (event) => {
    if (event.target.matches("[data-c=kind]")) showKind(event.target.closest("li"));
    changed();
  });
  section.addEventListener("input", changed);
  section.querySelector("#add-criterion").addEventListener("click", () => add());
  section.querySelector("#builder-form").addEventListener("submit", () => {
    documentField.value = JSON.stringify(buildDocument(), null, 2);
  });
  if (documentField.value.trim()) restore();
})();

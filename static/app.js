// Evident's few behaviours, bound here rather than in the markup: the Content-Security-Policy
// forbids inline script and event handler attributes. One listener on the document also covers
// what htmx swaps in later (toasts, rows).
"use strict";

document.addEventListener("click", function (event) {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) {
    return;
  }
  const dismiss = target.closest("[data-dismiss]");
  if (dismiss) {
    // data-dismiss names the element to remove by a selector of one of its ancestors.
    const gone = dismiss.closest(dismiss.getAttribute("data-dismiss"));
    if (gone) {
      gone.remove();
    }
    return;
  }
  if (target.closest("[data-print]")) {
    window.print();
  }
});

// An oversized form comes back to its page with ?too_large=1: put back the text typed into it.
// A copy of each posted form's text fields is kept for this tab only (sessionStorage).
const DRAFT = "evident-draft:";

document.addEventListener("submit", function (event) {
  const form = event.target instanceof HTMLFormElement ? event.target : null;
  // getAttribute: a field named "method" would shadow form.method
  if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") {
    return;
  }
  const fields = {};
  for (const field of form.querySelectorAll("textarea[name], input[type=text][name]")) {
    fields[field.name] = field.value;
  }
  try {
    sessionStorage.setItem(DRAFT + form.getAttribute("action"), JSON.stringify(fields));
  } catch (error) {
    // Too big even for the browser's storage: nothing to put back later.
  }
});

document.addEventListener("DOMContentLoaded", function () {
  if (!new URLSearchParams(window.location.search).has("too_large")) {
    return;
  }
  for (const form of document.querySelectorAll("form[method=post]")) {
    const key = DRAFT + form.getAttribute("action");
    const saved = sessionStorage.getItem(key);
    if (!saved) {
      continue;
    }
    const fields = JSON.parse(saved);
    for (const [name, value] of Object.entries(fields)) {
      const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (field && "value" in field) {
        field.value = value;
      }
    }
    sessionStorage.removeItem(key);
  }
});

// A header checkbox ticks (or clears) every item checkbox of the form it names.
document.addEventListener("change", function (event) {
  const box = event.target instanceof HTMLInputElement ? event.target : null;
  if (!box || !box.hasAttribute("data-check-all")) {
    return;
  }
  const form = document.querySelector(box.getAttribute("data-check-all"));
  if (!form || !form.id) {
    return;
  }
  document.querySelectorAll('input[type="checkbox"][form="' + form.id + '"]').forEach(function (item) {
    item.checked = box.checked;
  });
});

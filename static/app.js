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

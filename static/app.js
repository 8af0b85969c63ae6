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

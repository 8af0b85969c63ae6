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

// A button or link with data-confirm asks first.
document.addEventListener("click", function (event) {
  const target = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// ---- the type-ahead picker: a combobox (input) and the listbox htmx fills as you type -------

function comboParts(element) {
  const box = element.closest("[data-combobox]");
  if (!box) {
    return null;
  }
  return {
    box: box,
    input: box.querySelector("[data-combobox-input]"),
    value: box.querySelector("[data-combobox-value]"),
    list: box.querySelector("[role=listbox]"),
  };
}

function comboOptions(parts) {
  return Array.from(parts.list.querySelectorAll("[role=option][data-value]"));
}

function comboOpen(parts, open) {
  parts.list.hidden = !open;
  parts.input.setAttribute("aria-expanded", open ? "true" : "false");
  if (!open) {
    parts.input.removeAttribute("aria-activedescendant");
  }
}

function comboActivate(parts, option) {
  comboOptions(parts).forEach(function (o) {
    o.setAttribute("aria-selected", o === option ? "true" : "false");
  });
  if (option) {
    parts.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }
}

function comboChoose(parts, option) {
  parts.value.value = option.getAttribute("data-value");
  parts.input.value = option.getAttribute("data-label");
  comboOpen(parts, false);
}

document.addEventListener("htmx:afterSwap", function (event) {
  const parts = event.target instanceof Element ? comboParts(event.target) : null;
  if (parts && event.target === parts.list) {
    comboOpen(parts, document.activeElement === parts.input);
    comboActivate(parts, comboOptions(parts)[0] || null);
  }
});

document.addEventListener("input", function (event) {
  const parts = event.target instanceof Element ? comboParts(event.target) : null;
  if (parts && event.target === parts.input) {
    // What is typed no longer names the chosen participant until one is picked again.
    parts.value.value = "";
  }
});

document.addEventListener("keydown", function (event) {
  const parts = event.target instanceof Element ? comboParts(event.target) : null;
  if (!parts || event.target !== parts.input) {
    return;
  }
  const options = comboOptions(parts);
  const current = parts.list.querySelector("[aria-selected=true]");
  let index = options.indexOf(current);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (parts.list.hidden) {
      comboOpen(parts, options.length > 0);
    }
    index = event.key === "ArrowDown" ? Math.min(index + 1, options.length - 1) : Math.max(index - 1, 0);
    comboActivate(parts, options[index] || null);
  } else if (event.key === "Enter" && !parts.list.hidden && current) {
    event.preventDefault();
    comboChoose(parts, current);
  } else if (event.key === "Escape" && !parts.list.hidden) {
    event.preventDefault();
    comboOpen(parts, false);
  }
});

document.addEventListener("mousedown", function (event) {
  const option = event.target instanceof Element ? event.target.closest("[role=option][data-value]") : null;
  const parts = option ? comboParts(option) : null;
  if (parts) {
    event.preventDefault(); // keep the focus in the input
    comboChoose(parts, option);
  }
});

document.addEventListener("focusout", function (event) {
  const parts = event.target instanceof Element ? comboParts(event.target) : null;
  if (parts && event.target === parts.input) {
    comboOpen(parts, false);
  }
});

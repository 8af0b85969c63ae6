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

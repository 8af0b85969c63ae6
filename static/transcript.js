// The interview page: select a passage of the transcript, press "h" (or the button), and a
// small form tags it. Offsets are counted in Unicode code points, as the server counts them
// (Python string indices): a browser counts UTF-16 units, where an emoji is two.
"use strict";

(function () {
  const transcript = document.getElementById("transcript");
  const dialog = document.getElementById("highlight-dialog");
  const opener = document.getElementById("highlight-open");
  if (!transcript || !dialog) {
    return;
  }
  const form = document.getElementById("highlight-form");
  const startField = document.getElementById("highlight-start");
  const endField = document.getElementById("highlight-end");
  const preview = document.getElementById("highlight-quote");
  let picked = null; // {start, end, text} of the last selection inside the transcript

  function codePoints(text) {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      // A high surrogate followed by a low one is a single character in Python.
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
        }
      }
      count++;
    }
    return count;
  }

  // The offset in the notes of a point (node, offset) of the page, or null outside the text.
  function offsetOf(node, offset) {
    if (node === transcript) {
      const paragraphs = transcript.querySelectorAll("p[data-offset]");
      if (offset < paragraphs.length) {
        return Number(paragraphs[offset].dataset.offset);
      }
      const last = paragraphs[paragraphs.length - 1];
      return last ? Number(last.dataset.offset) + codePoints(last.textContent) : null;
    }
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const paragraph = element ? element.closest("p[data-offset]") : null;
    if (!paragraph || !transcript.contains(paragraph)) {
      return null;
    }
    const range = document.createRange();
    range.setStart(paragraph, 0);
    range.setEnd(node, offset);
    return Number(paragraph.dataset.offset) + codePoints(range.toString());
  }

  function readSelection() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    const range = selection.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer)) {
      return null;
    }
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    const text = selection.toString();
    if (start === null || end === null || end <= start || !text.trim()) {
      return null;
    }
    return { start: start, end: end, text: text };
  }

  document.addEventListener("selectionchange", function () {
    if (dialog.open) {
      return;
    }
    // The last passage selected stays picked: on a phone, tapping the button clears the
    // selection before the tap lands. The form shows the passage, so nothing is tagged unseen.
    const now = readSelection();
    if (now) {
      picked = now;
    }
    if (opener) {
      opener.disabled = picked === null;
    }
  });

  function openForm() {
    if (!picked) {
      return;
    }
    startField.value = String(picked.start);
    endField.value = String(picked.end);
    preview.textContent = picked.text.trim();
    dialog.showModal();
    document.getElementById("highlight-problem").focus();
  }

  if (opener) {
    // Keep the selection: a click on the button would otherwise clear it first.
    opener.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    opener.addEventListener("click", openForm);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "h" || event.ctrlKey || event.metaKey || event.altKey || dialog.open) {
      return;
    }
    const target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    const now = readSelection();
    if (now) {
      picked = now;
      event.preventDefault();
      openForm();
    }
  });

  dialog.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-dialog-close]")) {
      dialog.close();
    }
  });
  form.addEventListener("submit", function () {
    dialog.querySelector("button[type=submit]").disabled = true;
  });
  // Refused by the server: the form comes back open, with the passage and the message.
  if (dialog.hasAttribute("data-open") && startField.value) {
    dialog.showModal();
  }
})();

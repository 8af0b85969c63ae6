"""A researcher reads a transcript, selects a passage with the mouse, tags it from the small
form, edits the notes above it, and finds the highlight still on the same words."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ConsoleWatch

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PASSAGE = "We pay a contractor every month to fix the exports"
NOTES = "\n\n".join(
    [
        "[00:00:04] Interviewer: Thanks for joining. How does month end go?",
        "[00:00:09] Zoë O'Neill-Brandão: Honestly? Badly 😀. We close the month in a "
        "spreadsheet, and the exports break every time.",
        "[00:00:31] Interviewer: What do you do about it?",
        # An emoji before the passage in its paragraph: two UTF-16 units, one character.
        f"[00:00:35] Zoë O'Neill-Brandão: Ugh 😤. {PASSAGE}. It costs us about €900.",
        "[00:01:02] Interviewer: Has anyone tried another tool?",
        "[00:01:06] Zoë O'Neill-Brandão: Our EU entity moved to one last spring — it went well.",
    ]
)


def as_vtt(notes: str) -> str:
    """The same conversation as captions with voice tags, as a call recorder exports it."""
    cues = []
    for turn in notes.split("\n\n"):
        stamp, rest = turn[1:].split("] ", 1)
        speaker, words = rest.split(": ", 1)
        cues.append(f"{stamp}.000 --> {stamp}.900\n<v {speaker}>{words}")
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def first_run(page: Any, base: str) -> None:
    page.goto(base + "/")
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    page.fill("#password", PASSWORD)
    page.fill("#workspace", "Acme")
    page.fill("#slug", "acme")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme$"))


def api_client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base + "/api/v1/workspaces/acme/")
    token = httpx.post(
        base + "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def select_words(page: Any, words: str) -> None:
    """Drag the mouse from the first to the last character of these words."""
    text = page.locator("#transcript p", has_text=words).first
    handle = text.element_handle()
    handle.scroll_into_view_if_needed()
    rects = handle.evaluate(
        """(p, words) => {
            const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            let node, before = "";
            const full = p.textContent, at = full.indexOf(words);
            while ((node = walker.nextNode())) {
                if (before.length + node.data.length > at) break;
                before += node.data;
            }
            const range = document.createRange();
            range.setStart(node, at - before.length);
            range.setEnd(node, at - before.length + 1);
            const first = range.getBoundingClientRect();
            const endRange = document.createRange();
            let n2 = node, off = at - before.length + words.length, seen = before;
            const w2 = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            seen = "";
            while ((n2 = w2.nextNode())) {
                if (seen.length + n2.data.length >= at + words.length) break;
                seen += n2.data;
            }
            off = at + words.length - seen.length;
            endRange.setStart(n2, off - 1);
            endRange.setEnd(n2, off);
            const last = endRange.getBoundingClientRect();
            return [first.left + 1, first.top + first.height / 2, last.right - 1,
                    last.top + last.height / 2];
        }""",
        words,
    )
    page.mouse.move(rects[0], rects[1])
    page.mouse.down()
    page.mouse.move((rects[0] + rects[2]) / 2, rects[3], steps=5)
    page.mouse.move(rects[2], rects[3], steps=5)
    page.mouse.up()


def test_upload_a_vtt_select_a_passage_tag_it_and_keep_it_through_an_edit(
    live_server: str, browser: Any, output_dir: Path, console: ConsoleWatch, tmp_path: Path
) -> None:
    base = live_server
    context = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    page = context.new_page()
    page.set_default_timeout(10_000)
    first_run(page, base)
    api = api_client(base)
    problem = api.post("problems", json={"title": "Month-end exports break"}).json()
    captions = tmp_path / "Month end call.vtt"
    captions.write_text(as_vtt(NOTES), encoding="utf-8")

    # Log the call from its caption file, then open it from the list.
    page.goto(f"{base}/w/acme/interviews/new")
    page.fill("#occurred_on", "2026-10-01")
    page.set_input_files("#transcript", str(captions))
    page.check(f"#covered-{problem['id']}")
    with page.expect_navigation():
        page.click("#interview-form button[type=submit]")
    (interview,) = api.get("interviews").json()["items"]
    assert api.get(f"interviews/{interview['id']}").json()["notes"] == NOTES
    with page.expect_navigation():
        page.click(f"a[href^='/w/acme/interviews/{interview['id']}']")
    assert page.locator(".who").first.inner_text() == "Interviewer:"
    select_words(page, PASSAGE)
    assert page.locator("#highlight-open").is_enabled()
    page.keyboard.press("h")
    dialog = page.locator("#highlight-dialog")
    assert dialog.is_visible()
    assert page.locator("#highlight-quote").inner_text() == PASSAGE
    # The problem covered is chosen already; the rest by keyboard.
    assert page.locator("#highlight-problem").input_value() == str(problem["id"])
    page.keyboard.press("Tab")
    page.keyboard.type("paid")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.click("#highlight-form button[type=submit]")
    page.wait_for_url(re.compile(r"#h-\d+$"))
    item_id = page.url.rsplit("#h-", 1)[1]
    mark = page.locator(f"mark#h-{item_id}")
    assert mark.inner_text() == PASSAGE
    stored = api.get(f"evidence/{item_id}").json()
    assert (stored["quote"], stored["signal"], stored["severity"]) == (PASSAGE, "paid", 4)
    assert stored["quote_start"] == NOTES.index(PASSAGE)

    # Escape closes the form without saving.
    select_words(page, "exports break every time")
    page.keyboard.press("h")
    assert dialog.is_visible()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    # The side list opens the highlight's edit form in place (fetched when opened).
    page.click(f"#side-h-{item_id} summary")
    page.wait_for_selector(f"#e{item_id}-severity")
    assert page.locator(f"#e{item_id}-severity").input_value() == "4"

    # Edit the notes: a new paragraph above the passage.
    page.click("text=Edit details and notes")
    page.wait_for_url(re.compile(r"/edit$"))
    page.locator("#notes").press("Control+Home")
    page.locator("#notes").type("[00:00:00] Interviewer: Recording starts.\n\n")
    page.click("#interview-edit button[type=submit]")
    page.wait_for_url(re.compile(rf"/interviews/{interview['id']}\?"))
    assert "1 moved with their words" in page.locator(".notice").inner_text()
    assert page.locator(f"mark#h-{item_id}").inner_text() == PASSAGE
    # The browser sent the textarea's line breaks as CRLF: every turn is still a turn.
    assert page.locator("#transcript p.turn").count() == 7
    page.screenshot(path=str(output_dir / "interview-1366.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(output_dir / "interview-390.png"), full_page=True)
    # On a phone, once a passage is selected, the button to tag it is on screen.
    select_words(page, "It costs us about")
    assert page.evaluate("window.getSelection().toString()") == "It costs us about"
    assert page.locator("#highlight-open").is_enabled()
    assert page.locator("#highlight-open").is_visible()
    box = page.locator("#highlight-open").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    page.screenshot(path=str(output_dir / "interview-390-selected.png"))
    console.assert_clean()
    context.close()

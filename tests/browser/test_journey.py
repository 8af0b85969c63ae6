"""The whole journey in a real browser: first run, sign in, a problem, an interview with five
highlights logged by keyboard only, the scorecard moving, a concluded test, a decision, search,
an import, the memo, and a viewer who cannot decide. Every page runs under the
Content-Security-Policy: one refusal in the console fails the journey."""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.service import create_user
from app.db import make_engine
from tests.browser.conftest import ConsoleWatch

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
HIGHLIGHTS = [
    ("We pay a contractor every month to fix the exports.", "paid", "5", "m"),
    ("I keep a spreadsheet to patch the broken columns.", "workaround", "4", "w"),
    ("We moved our EU entity to another tool for this.", "switched", "4", "m"),
    ("I googled for export fixes twice last week.", "searching", "3", "w"),
    ("Month end is the worst day because of this.", "stated", "4", "m"),
]


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def wait_for_focus(page: Any, element_id: str, seconds: float = 5) -> None:
    """htmx moves focus when it settles, a moment after the swap. Polled from here: the CSP
    refuses the string eval that page.wait_for_function would run in the page."""
    deadline = time.monotonic() + seconds
    while focused_id(page) != element_id and time.monotonic() < deadline:
        time.sleep(0.05)
    assert focused_id(page) == element_id, f"focus is on #{focused_id(page)}, not #{element_id}"


def tab_to(page: Any, element_id: str, limit: int = 12) -> None:
    """Press Tab until the field has focus; fail if the tab order never reaches it."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    assert focused_id(page) == element_id, f"Tab never reached #{element_id}"


def score(page: Any, name: str) -> int:
    return int(re.sub(r"\D", "", page.locator(f"[data-score={name}]").inner_text()))


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme$"))


def test_journey(
    live_server: str, browser: Any, output_dir: Path, tmp_path: Path, console: ConsoleWatch
) -> None:
    base = live_server
    context = console.attach(browser.new_context(viewport={"width": 1280, "height": 900}))
    page = context.new_page()
    page.set_default_timeout(10_000)

    # First run: the first admin and the workspace.
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Welcome to Evident"
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    page.fill("#password", PASSWORD)
    page.fill("#workspace", "Acme")
    page.fill("#slug", "acme")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme$"))
    assert page.locator("#start-heading").is_visible()

    # Sign out, then sign in again.
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/signin$"))
    sign_in(page, base, "ada@example.com")

    # Create a problem.
    page.click("text=Add a problem")
    page.fill("#title", "Month-end exports break")
    page.fill("#statement", "Finance teams struggle to close the month because exports break.")
    page.fill("#feasibility_estimate", "70")
    page.click("button:has-text('Create problem')")
    page.wait_for_url(re.compile(r"/problems/\d+$"))
    problem_url = page.url
    # No evidence yet: the card says so instead of showing starting points as measurements.
    assert page.locator("[data-score=pain]").inner_text() == "no evidence yet"
    items_before = page.locator("#scorecard-heading + p").inner_text()
    assert "0 evidence items" in items_before

    # Log an interview with five highlights, keyboard only.
    page.click("text=Log an interview")
    page.wait_for_url(re.compile(r"/interviews/new"))
    started = time.monotonic()
    assert focused_id(page) == "participant_id-q"  # the type-ahead picker
    page.keyboard.press("Tab")  # the "New participant" disclosure
    page.keyboard.press("Enter")
    tab_to(page, "np_name")
    page.keyboard.type("Bea")
    tab_to(page, "np_organisation")
    page.keyboard.type("Initech")
    page.keyboard.press("Tab")  # segment
    page.keyboard.press("Tab")  # "Add participant"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Participant added and chosen.")
    wait_for_focus(page, "participant_id-q")
    assert page.locator("#participant_id-q").input_value() == "Bea"
    assert page.locator("#participant_id").input_value() != ""
    tab_to(page, "kind")
    tab_to(page, "notes")
    page.keyboard.type("Call with the finance lead after month end.")
    for i, (quote, signal, severity, frequency) in enumerate(HIGHLIGHTS):
        tab_to(page, f"h-{i}-quote")
        page.keyboard.type(quote)
        page.keyboard.press("Tab")
        assert focused_id(page) == f"h-{i}-problem"
        page.keyboard.press("Tab")
        assert focused_id(page) == f"h-{i}-signal"
        page.keyboard.type(signal)
        page.keyboard.press("Tab")
        page.keyboard.type(severity)
        page.keyboard.press("Tab")
        assert focused_id(page) == f"h-{i}-frequency"
        page.keyboard.type(frequency)
        if i < len(HIGHLIGHTS) - 1:
            tab_to(page, "add-highlight", limit=2)
            page.keyboard.press("Enter")
            wait_for_focus(page, f"h-{i + 1}-quote")
    assert page.locator("#h-2-signal").input_value() == "switched"
    assert page.locator("#h-0-severity").input_value() == "5"
    tab_to(page, "add-highlight", limit=2)
    page.keyboard.press("Tab")  # "Save interview"
    page.keyboard.press("Enter")
    page.wait_for_url(problem_url)
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"logging took {elapsed:.0f} s"

    # The scorecard changed.
    assert "5 evidence items" in page.locator("#scorecard-heading + p").inner_text()
    assert score(page, "pain") > 30  # above where pain starts before any evidence
    assert page.locator("#evidence blockquote").count() == 5
    page.screenshot(path=str(output_dir / "problem.png"), full_page=True)
    page.goto(base + "/w/acme/interviews")
    assert page.locator("h1").inner_text() == "Interviews"

    # Search as you type (htmx, no eval under the CSP).
    page.goto(base + "/w/acme/search")
    page.fill("#q", "contractor")
    page.wait_for_selector("#search-results .hit")
    assert "contractor" in page.locator("#search-results").inner_text()

    # An error answered to htmx lands as a toast; its Dismiss button works without inline script.
    page.evaluate("htmx.ajax('GET', '/w/acme/problems/999999', {target: '#search-results'})")
    page.wait_for_selector("#toasts .toast")
    page.click("#toasts .toast button:has-text('Dismiss')")
    page.wait_for_selector("#toasts .toast", state="detached")
    page.goto(problem_url)

    # An assumption, a test card fixed in advance, started and concluded.
    page.click("text=Add an assumption")
    page.fill("#statement", "Finance leads will pay to stop the breakage")
    page.select_option("#category", "viability")
    page.check("#critical")
    page.click("button:has-text('Add assumption')")
    page.click("text=Plan a test")
    page.select_option("#method", "pre_sale")
    page.fill("#metric", "signed letters of intent")
    page.select_option("#operator", ">=")
    page.fill("#threshold", "3")
    page.check("#start_now")
    page.click("button:has-text('Save test card')")
    page.wait_for_url(re.compile(r"/tests$"))
    running = page.locator("section", has=page.locator("#col-running"))
    running.locator("summary:has-text('Conclude')").click()
    running.locator("input[name=observed_value]").fill("5")
    running.locator("textarea[name=learning]").fill("Five finance leads signed.")
    running.locator("button:has-text('Conclude test')").click()
    page.wait_for_url(re.compile(r"/tests$"))
    concluded = page.locator("section", has=page.locator("#col-concluded")).inner_text()
    assert "validated" in concluded and "Five finance leads signed." in concluded

    # Record a decision.
    page.goto(problem_url)
    page.click("#decide-button")
    page.check("#kind-pursue")
    page.fill("#rationale", "Deep, behavioural pain and a validated willingness to pay.")
    # One participant so far: the evidence says investigate, so going ahead asks why.
    page.fill("#against_reason", "The pre-sale letters are commitment enough for a first slice.")
    page.fill("#dissent", "Sam thinks the EU segment is too small.")
    page.fill("#customer_advocate_notes", "They asked for this three times.")
    page.click("button:has-text('Record decision')")
    page.wait_for_url(re.compile(r"/problems/\d+#decisions$"))
    assert "validated willingness to pay" in page.locator("#decisions").inner_text()
    frozen_memo = page.locator("#decisions a:has-text('Memo of this decision')").get_attribute(
        "href"
    )
    assert frozen_memo is not None
    for width, height in ((1366, 900), (390, 844)):
        sized = console.attach(
            browser.new_context(
                viewport={"width": width, "height": height},
                storage_state=context.storage_state(),
            )
        )
        view = sized.new_page()
        for name, url in (
            ("problem", problem_url),
            ("decide", problem_url + "/decide"),
            ("frozen-memo", base + frozen_memo),
        ):
            view.goto(url)
            view.screenshot(path=str(output_dir / f"{name}-{width}.png"), full_page=True)
            scroll = view.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} is {scroll} px wide on a {width} px screen"
        sized.close()
    page.goto(base + "/w/acme/review")
    assert page.locator("h1").inner_text() == "Review"

    # The printable memo: its styles come from app.css, its Print button from app.js.
    page.goto(problem_url)
    page.click("text=Decision memo")
    page.wait_for_selector("article.memo")
    assert page.locator("article.memo button[data-print]").is_visible()

    # Import a small file: preview, then the progress polled by htmx until done.
    page.goto(base + "/w/acme/import")
    page.set_input_files(
        "#file",
        files=[{"name": "calls.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}],
    )
    page.click("button:has-text('Check the file')")
    page.wait_for_url(re.compile(r"/import/\d+$"))
    page.click("button:has-text('Import 2 rows')")
    page.wait_for_selector("text=Done: 2 highlights imported", timeout=20_000)

    page.goto(base + "/w/acme")
    assert page.locator("svg.chart a").count() == 1
    page.screenshot(path=str(output_dir / "portfolio.png"), full_page=True)
    phone = console.attach(
        browser.new_context(
            viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
        )
    )
    phone_page = phone.new_page()
    phone_page.goto(base + "/w/acme")
    phone_page.screenshot(path=str(output_dir / "portfolio-phone.png"), full_page=True)
    # On a phone no page is wider than the screen: wide tables scroll inside their own box.
    for path in ("", "/interviews", "/tests", "/review", "/search", "/import", "/settings"):
        phone_page.goto(f"{base}/w/acme{path}")
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/w/acme{path} is {width} px wide on a 390 px phone"
    phone.close()

    # A title with markup: the pages escape it, and its Markdown memo is shown as text.
    page.goto(base + "/w/acme/problems/new")
    page.fill("#title", SCRIPT_TITLE)
    page.click("button:has-text('Create problem')")
    page.wait_for_url(re.compile(r"/problems/\d+$"))
    assert SCRIPT_TITLE in page.locator("h1").inner_text()
    page.goto(re.sub(r"/w/acme/", "/api/v1/workspaces/acme/", page.url) + "/memo")
    assert page.evaluate("document.contentType") == "text/markdown"
    assert SCRIPT_TITLE in page.locator("body").inner_text()
    assert page.evaluate("window.memoScriptRan === undefined")

    # A viewer: no decide button, and 403 when posting anyway.
    engine = make_engine(_database_url(tmp_path))
    with Session(engine) as session:
        create_user(session=session, email="vic@example.com", password=PASSWORD, name="Vic")
        session.commit()
    engine.dispose()
    # Invited (no mail server here: the admin copies the link), Vic joins with his password.
    page.goto(base + "/w/acme/settings")
    page.fill("#invite_email", "vic@example.com")
    page.select_option("#invite_role", "viewer")
    page.click("button:has-text('Send invitation')")
    invitation = page.locator("#invitation-link").input_value()

    viewer = console.attach(browser.new_context())
    viewer_page = viewer.new_page()
    viewer_page.goto(invitation)
    viewer_page.fill("#password", PASSWORD)
    viewer_page.click("main form button[type=submit]")
    viewer_page.wait_for_url(re.compile(r"/w/acme$"))
    viewer_page.goto(problem_url)
    assert viewer_page.locator("#decide-button").count() == 0
    csrf = viewer_page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = viewer_page.request.post(
        problem_url + "/decide",
        form={"csrf_token": csrf or "", "kind": "halt", "rationale": "I am only a viewer"},
        headers={"Accept": "text/html"},
    )
    assert response.status == 403
    assert "decider" in response.text()
    viewer.close()
    context.close()
    console.assert_clean()


SCRIPT_TITLE = "<script>window.memoScriptRan = 1</script> exports"
IMPORT_CSV = """participant,date,quote,problem,signal
Cai,2024-03-01,We export by hand every Friday.,Month-end exports break,workaround
Dee,2024-03-02,Our accountant fixes the columns.,Month-end exports break,paid
"""


def _database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'browser.db'}"

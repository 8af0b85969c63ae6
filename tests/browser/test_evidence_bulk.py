"""A researcher filters the evidence, selects every match, moves them to another problem in one
go, then undoes it; and previews an import whose rows name a problem that does not exist yet.
Screenshots of both pages at desktop and phone widths."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleWatch
from tests.browser.test_interview_page import api_client, first_run
from tests.browser.test_team import shoot

pytestmark = pytest.mark.browser


def test_filter_select_all_matching_move_then_undo(
    live_server: str, browser: Any, output_dir: Path, console: ConsoleWatch, tmp_path: Path
) -> None:
    base = live_server
    context = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    page = context.new_page()
    page.set_default_timeout(10_000)
    first_run(page, base)
    api = api_client(base)
    bugs = api.post("problems", json={"title": "Bugs"}).json()
    api.post("problems", json={"title": "Exports break"}).json()
    for i in range(30):
        quote = f"The export crashed again ({i})" if i % 3 else f"Love the colours ({i})"
        api.post("evidence", json={"problem_id": bugs["id"], "quote": quote, "signal": "stated"})

    page.goto(base + "/w/acme/evidence")
    page.fill("#q", "export crashed")
    page.select_option("#problem_id", label="Bugs")
    page.click("form.evidence-filters button[type=submit]")
    page.wait_for_url("**q=export+crashed**")
    assert "20 items match this filter" in page.inner_text("main")
    shoot(page, output_dir, "evidence-list")

    page.check("#pick-page")
    assert page.locator("input[name=ids]:checked").count() == 20
    page.uncheck("#pick-page")
    assert page.locator("input[name=ids]:checked").count() == 0
    page.check("input[name=scope][value=all]")
    page.select_option("#to_problem", label="Exports break")
    page.click("button[name=do][value=change]")
    notice = page.locator(".notice")
    notice.wait_for()
    assert "Moved 20 evidence items to “Exports break”" in notice.inner_text()
    shoot(page, output_dir, "evidence-moved", ".notice")
    moved = api.get("evidence", params={"problem_id": bugs["id"]}).json()
    assert moved["total"] == 10

    notice.get_by_role("button", name="Undo").click()
    page.locator("text=Undone: 20 items put back").wait_for()
    back = api.get("evidence", params={"problem_id": bugs["id"]}).json()
    assert back["total"] == 30

    rows = "\n".join(f"P{i},2026-10-01,Crash {i},Speed,stated" for i in range(300))
    csv_file = tmp_path / "reviews.csv"
    csv_file.write_text("participant,interview_date,quote,problem,signal\n" + rows + "\n")
    page.goto(base + "/w/acme/import")
    page.set_input_files("#file", str(csv_file))
    page.click("text=Check the file")
    page.locator("#bad-rows").wait_for()
    assert page.locator("#bad-rows tbody tr").count() == 1
    shoot(page, output_dir, "import-preview")
    page.get_by_role("button", name="Create it").click()
    page.locator("#new-problems").wait_for()
    assert "“Speed”: 300 rows" in page.inner_text("#new-problems")
    shoot(page, output_dir, "import-preview-create")
    console.assert_clean()

"""The search form at a laptop's and a phone's width: no field is drawn over another field's
label or help text, and a search that finds some of the words says so."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleWatch
from tests.browser.test_interview_page import api_client, first_run

pytestmark = pytest.mark.browser

FIELDS = ", ".join(f"#search-form {tag}" for tag in ["label", "input", "select", "small", "button"])
BOXES = """(fields) => [...document.querySelectorAll(fields)]
    .filter(e => e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect();
        return [e.tagName + '#' + (e.id || e.getAttribute('for') || e.textContent.trim()),
                r.left, r.top, r.right, r.bottom]; })"""


def overlaps(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    found = []
    for i, (name, left, top, right, bottom) in enumerate(boxes):
        for other, left2, top2, right2, bottom2 in boxes[i + 1 :]:
            if (
                min(right, right2) - max(left, left2) > 1
                and min(bottom, bottom2) - max(top, top2) > 1
            ):
                found.append((name, other))
    return found


@pytest.mark.parametrize("width", [1366, 390])
def test_the_search_form_lays_out_without_overlaps(
    live_server: str, browser: Any, console: ConsoleWatch, output_dir: Path, width: int
) -> None:
    context = console.attach(browser.new_context(viewport={"width": width, "height": 900}))
    page = context.new_page()
    first_run(page, live_server)
    with api_client(live_server) as client:
        problem = client.post("problems", json={"title": "Exports break", "statement": ""})
        for quote in ["Predictions are wrong every week", "It makes no sense to the customer"]:
            body = {"problem_id": problem.json()["id"], "quote": quote, "signal": "paid"}
            assert client.post("evidence", json=body).status_code == 201

    page.goto(live_server + "/w/acme/search?q=customer+told+us+predictions+make+no+sense")
    page.screenshot(path=str(output_dir / f"search-{width}.png"), full_page=True)
    boxes = page.evaluate(BOXES, FIELDS)
    assert len(boxes) > 8
    assert overlaps(boxes) == []
    right_edge = max(box[3] for box in boxes)
    assert right_edge <= width
    status = page.locator("#search-results [role=status]").inner_text()
    assert "No result has all the words; showing results with some of them." in status
    assert page.locator("ol.search-results > li").count() == 2
    console.assert_clean()

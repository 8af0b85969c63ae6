"""A researcher filters the evidence list by a participant picked by typing, with the keyboard,
then with scripts off; the filter reads well on a laptop and a phone."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleWatch
from tests.browser.test_interview_page import api_client, first_run

pytestmark = pytest.mark.browser


def test_pick_a_participant_by_typing_to_filter_the_evidence(
    browser: Any, live_server: str, output_dir: Path, console: ConsoleWatch
) -> None:
    from playwright.sync_api import expect  # imported where the browser fixture is

    context = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    page = context.new_page()
    first_run(page, live_server)
    api = api_client(live_server)
    problem = api.post("problems", json={"title": "Month-end close takes a week"}).json()
    for n in range(40):
        api.post("participants", json={"name": f"Person {n:02d}", "organisation": "Globex"})
    zoe = api.post("participants", json={"name": "Zoë Brandão", "organisation": "Umbrella"})
    zoe = zoe.json()
    ben = api.post("participants", json={"name": "Ben Okafor"}).json()
    for who, quote in [(zoe, "We close the books by hand"), (ben, "The close is fine for us")]:
        body = {"quote": quote, "problem_id": problem["id"], "participant_id": who["id"]}
        body["signal"] = "stated"
        api.post("evidence", json=body).raise_for_status()

    page.goto(live_server + "/w/acme/evidence")
    expect(page.locator("td.quote")).to_have_count(2)
    assert page.locator("#participant_id option").count() == 0  # no list of everyone
    box = page.locator("#participant_id-q")
    box.press_sequentially("brand", delay=30)
    options = page.locator("#participant_id-options [role=option][data-value]")
    expect(options).to_have_count(1)
    assert box.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(output_dir / "evidence-picker-1366.png"), full_page=True)
    box.press("Enter")
    assert page.locator("#participant_id").input_value() == str(zoe["id"])
    assert box.input_value() == "Zoë Brandão"
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(rf"participant_id={zoe['id']}"))
    assert page.locator("td.quote").all_inner_texts() == ["We close the books by hand"]
    assert page.locator("#participant_id-q").input_value() == "Zoë Brandão"
    page.screenshot(path=str(output_dir / "evidence-filtered-1366.png"), full_page=True)

    phone = console.attach(
        browser.new_context(
            viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
        )
    ).new_page()
    phone.goto(live_server + "/w/acme/evidence")
    phone.locator("#participant_id-q").press_sequentially("ben", delay=30)
    expect(phone.locator("#participant_id-options [role=option][data-value]")).to_have_count(1)
    phone.screenshot(path=str(output_dir / "evidence-picker-390.png"), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the evidence list scrolls sideways on a phone ({width} px)"
    console.assert_clean()

    # Scripts off: the box is a text field and the name typed is the filter.
    plain = browser.new_context(
        viewport={"width": 390, "height": 844},
        storage_state=context.storage_state(),
        java_script_enabled=False,
    ).new_page()
    plain.goto(live_server + "/w/acme/evidence")
    plain.fill("#participant_id-q", "ben okafor")
    plain.get_by_role("button", name="Filter").click()
    plain.wait_for_url(re.compile(r"participant_id_q=ben"))
    assert plain.locator("td.quote").all_inner_texts() == ["The close is fine for us"]
    assert plain.locator("#participant_id-q").input_value() == "Ben Okafor"
    plain.screenshot(path=str(output_dir / "evidence-no-scripts-390.png"), full_page=True)

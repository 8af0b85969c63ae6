"""A researcher picks a participant by typing and the arrow keys, finds the same person twice in
the directory, merges them, and the directory and profile read well on a laptop and a phone."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ConsoleWatch
from tests.browser.test_interview_page import api_client, first_run

pytestmark = pytest.mark.browser


def test_pick_a_participant_with_the_keyboard_then_merge_two(
    browser: Any, live_server: str, output_dir: Path, console: ConsoleWatch
) -> None:
    from playwright.sync_api import expect  # imported where the browser fixture is

    context = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    page = context.new_page()
    first_run(page, live_server)
    api = api_client(live_server)
    segment = api.post("segments", json={"name": "Agencies", "size": 40}).json()
    for n in range(30):
        api.post("participants", json={"name": f"Person {n:02d}", "organisation": "Globex"})
    keep = api.post(
        "participants",
        json={"name": "Zoë Brandão", "organisation": "Umbrella", "segment_id": segment["id"]},
    ).json()
    twin = api.post("participants", json={"name": "zoe  brandao"}).json()

    # The interview form: type part of a name, arrow down to the second match, Enter.
    page.goto(live_server + "/w/acme/interviews/new")
    box = page.locator("#participant_id-q")
    box.fill("")
    box.press_sequentially("zo", delay=30)
    options = page.locator("#participant_id-options [role=option][data-value]")
    # The matches for what was typed replace those offered on focus.
    expect(options).to_have_count(2)
    assert box.get_attribute("aria-expanded") == "true"
    offered = [o.get_attribute("data-value") for o in options.all()]
    assert sorted(offered) == sorted([str(keep["id"]), str(twin["id"])])
    # The first match is active; the arrows move through the others and back.
    assert box.get_attribute("aria-activedescendant") == f"participant_id-options-{offered[0]}"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == f"participant_id-options-{offered[1]}"
    if offered[0] == str(keep["id"]):
        box.press("ArrowUp")
    box.press("Enter")
    assert page.locator("#participant_id").input_value() == str(keep["id"])
    assert box.input_value() == "Zoë Brandão"
    assert box.get_attribute("aria-expanded") == "false"
    page.fill("#notes", "Talked through their month end.")
    page.click("#interview-form button[type=submit], form button[type=submit] >> nth=-1")
    page.wait_for_url(re.compile(r"/w/acme/interviews(\?|/)"))
    interviews = api.get("interviews", params={"participant_id": keep["id"]}).json()
    assert interviews["total"] == 1

    # The directory suggests the twin; review the merge and confirm it.
    page.goto(live_server + "/w/acme/participants?sort=last_seen")
    assert page.locator("table.people tbody tr").first.inner_text().startswith("Zoë Brandão")
    page.screenshot(path=str(output_dir / "directory-1366.png"), full_page=True)
    page.get_by_role("link", name="Review the merge").click()
    assert page.locator("h1").inner_text() == "Merge “zoe brandao” into “Zoë Brandão”"
    page.get_by_role("button", name="Merge them").click()
    page.wait_for_url(re.compile(rf"/participants/{keep['id']}\?merged=\d+"))
    assert api.get(f"participants/{twin['id']}").json()["deleted_at"] is not None
    page.screenshot(path=str(output_dir / "profile-1366.png"), full_page=True)

    phone = console.attach(
        browser.new_context(
            viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
        )
    ).new_page()
    phone.goto(live_server + "/w/acme/participants")
    phone.screenshot(path=str(output_dir / "directory-390.png"), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the directory scrolls sideways on a phone ({width} px)"
    phone.goto(live_server + f"/w/acme/participants/{keep['id']}")
    phone.screenshot(path=str(output_dir / "profile-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Undo from the profile: the twin is back.
    page.get_by_role("button", name="Undo the merge").click()
    page.wait_for_url(re.compile(rf"/participants/{twin['id']}\?done=restored"))
    assert api.get(f"participants/{twin['id']}").json()["deleted_at"] is None
    console.assert_clean()

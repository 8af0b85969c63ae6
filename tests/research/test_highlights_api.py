"""Highlights by offsets in an interview's notes, and what editing the notes does to them."""

from typing import Any

import pytest

from tests.factories import Api
from tests.helpers import assert_error

NOTES = (
    "[00:00:05] Ana Sousa: We close the month in a spreadsheet with macros.\n\n"
    "Interviewer: How long does it take?\n\n"
    "[00:01:10] Ana Sousa: A whole day. We pay a contractor every month to fix the exports."
)


def highlight(api: Api, interview: dict[str, Any], problem: dict[str, Any], words: str) -> Any:
    start = interview_notes(api, interview).index(words)
    body = {
        "start": start,
        "end": start + len(words),
        "problem_id": problem["id"],
        "signal": "paid",
        "severity": 4,
    }
    return api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)


def interview_notes(api: Api, interview: dict[str, Any]) -> str:
    return str(api.ok(api.get(f"interviews/{interview['id']}"))["notes"])


@pytest.fixture
def world(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    problem = api.problem()
    return problem, api.interview(notes=NOTES)


def test_a_highlight_takes_its_quote_from_the_notes(api: Api, world: Any) -> None:
    problem, interview = world
    item = highlight(api, interview, problem, "We pay a contractor")
    start = NOTES.index("We pay a contractor")
    assert (item["quote"], item["quote_start"], item["quote_end"], item["anchor"]) == (
        "We pay a contractor",
        start,
        start + len("We pay a contractor"),
        "anchored",
    )
    assert item["interview_id"] == interview["id"] and item["stance"] == "supports"
    # The problem counts as covered, and its scorecard has the new evidence.
    assert problem["id"] in api.ok(api.get(f"interviews/{interview['id']}"))["problem_ids"]
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["counts"]["evidence_items"] == 1


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (10, 10, "must pick a passage"),
        (20, 5, "must pick a passage"),
        (0, len(NOTES) + 1, "must pick a passage"),
        (NOTES.index("\n\n"), NOTES.index("\n\n") + 2, "only spaces or line breaks"),
    ],
)
def test_offsets_outside_the_notes_or_on_blanks_are_refused(
    api: Api, world: Any, start: int, end: int, words: str
) -> None:
    problem, interview = world
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    error = assert_error(api.post(f"interviews/{interview['id']}/highlights", json=body), 422)
    assert words in error["message"]


def test_a_passage_longer_than_a_quote_is_refused(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(notes="word " * 1_000)
    body = {"start": 0, "end": 4_000, "problem_id": problem["id"], "signal": "paid"}
    error = assert_error(api.post(f"interviews/{interview['id']}/highlights", json=body), 422)
    assert "at most 2,000 characters" in error["message"]


def test_a_problem_of_another_workspace_is_refused(api: Api, world: Any) -> None:
    _, interview = world
    body = {"start": 0, "end": 5, "problem_id": 9_999, "signal": "paid"}
    response = api.post(f"interviews/{interview['id']}/highlights", json=body)
    assert "no problem 9999" in assert_error(response, 422)["message"]


def test_editing_the_notes_reanchors_every_highlight(api: Api, world: Any) -> None:
    problem, interview = world
    kept = highlight(api, interview, problem, "[00:00:05] Ana Sousa: We close")
    moved = highlight(api, interview, problem, "We pay a contractor every month")
    changed = highlight(api, interview, problem, "We close the month in a spreadsheet with macros")
    gone = highlight(api, interview, problem, "How long does it take?")
    edited = (
        NOTES.replace("in a spreadsheet with macros", "in a spreadsheat with makros")
        .replace("Interviewer: How long does it take?", "Interviewer: (inaudible)")
        .replace("A whole day.", "A whole day, sometimes two, honestly.")
    )
    response = api.patch(f"interviews/{interview['id']}", json={"version": 1, "notes": edited})
    report = api.ok(response)["reanchored"]
    assert report == {
        "kept": [kept["id"]],
        "moved": [moved["id"]],
        "changed": [changed["id"]],
        "detached": [gone["id"]],
        "placed": [],
    }
    items = {
        i["id"]: i
        for i in api.ok(api.get("evidence", params={"interview_id": interview["id"]}))["items"]
    }
    for item_id in (kept["id"], moved["id"], changed["id"]):
        item = items[item_id]
        assert item["anchor"] == "anchored"
        assert edited[item["quote_start"] : item["quote_end"]] == item["quote"]
    assert items[moved["id"]]["quote_start"] == edited.index("We pay a contractor")
    assert "spreadsheat with makros" in items[changed["id"]]["quote"]
    # Detached, never dropped: it keeps its quote and still counts on the scorecard.
    assert items[gone["id"]]["anchor"] == "detached"
    assert items[gone["id"]]["quote"] == "How long does it take?"
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["counts"]["evidence_items"] == 4


def test_a_stale_edit_of_the_notes_is_refused(api: Api, world: Any) -> None:
    _, interview = world
    api.ok(api.patch(f"interviews/{interview['id']}", json={"version": 1, "title": "Ana"}))
    stale = api.patch(f"interviews/{interview['id']}", json={"version": 1, "notes": "Other."})
    error = assert_error(stale, 409, "stale_version")
    assert error["details"]["current"]["notes"] == NOTES
    assert interview_notes(api, interview) == NOTES


def test_a_typed_quote_is_placed_when_its_words_come_into_the_notes(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(
        notes="Short notes.",
        highlights=[
            {"problem_id": problem["id"], "quote": "We pay a contractor", "signal": "paid"}
        ],
    )
    item = interview["evidence"][0]
    assert (item["anchor"], item["quote_start"]) == (None, None)
    response = api.patch(f"interviews/{interview['id']}", json={"version": 1, "notes": NOTES})
    assert api.ok(response)["reanchored"]["placed"] == [item["id"]]
    now = api.ok(api.get(f"evidence/{item['id']}"))
    assert (now["anchor"], now["quote_start"]) == ("anchored", NOTES.index("We pay a contractor"))


def test_moving_a_highlight_to_another_problem_leaves_the_interview_alone(
    api: Api, world: Any
) -> None:
    problem, interview = world
    other = api.problem(title="Exports")
    item = highlight(api, interview, problem, "fix the exports")
    moved = api.ok(
        api.patch(f"evidence/{item['id']}", json={"version": 1, "problem_id": other["id"]})
    )
    assert (moved["problem_id"], moved["quote_start"], moved["anchor"]) == (
        other["id"],
        item["quote_start"],
        "anchored",
    )
    stale = api.patch(f"evidence/{item['id']}", json={"version": 1, "problem_id": problem["id"]})
    assert_error(stale, 409, "stale_version")
    assert api.ok(api.get(f"interviews/{interview['id']}"))["version"] == interview["version"]
    api.ok(api.delete(f"evidence/{item['id']}"))
    assert interview_notes(api, interview) == NOTES

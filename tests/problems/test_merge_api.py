"""Merging two problems: everything moves, decisions keep their memos, undo moves it back."""

from typing import Any

import pytest
from sqlmodel import select

from app.kit.audit import AuditEvent
from tests.factories import Api, writing
from tests.helpers import assert_error, make_decision
from tests.scorecards.test_service_unit_of_work import assert_every_card_fresh


def rows_of(api: Api, path: str, **params: Any) -> set[int]:
    return {row["id"] for row in api.ok(api.get(path, params=params | {"limit": 100}))["items"]}


@pytest.fixture
def pair(api: Api) -> dict[str, Any]:
    """A problem and its duplicate, each with coverage, evidence, assumptions, tests and a
    decision; one interview covers both."""
    keep = api.problem(title="Exports break", tags=["billing", "exports"])
    absorb = api.problem(title="exports  break", tags=["exports", "month-end"])
    person = api.participant()
    both = api.interview(
        participant_id=person["id"],
        problem_ids=[keep["id"], absorb["id"]],
        highlights=[
            {"problem_id": keep["id"], "quote": "We rebuild it", "signal": "workaround"},
            {"problem_id": absorb["id"], "quote": "Every month end", "signal": "stated"},
        ],
    )
    only = api.interview(problem_ids=[absorb["id"]], notes="Said nothing about exports.")
    assumption = api.assumption(absorb["id"])
    test = api.test_card(assumption["id"])
    decisions = [make_decision(api, problem_id=p["id"]) for p in (keep, absorb)]
    return {
        "keep": keep,
        "absorb": absorb,
        "interviews": [both, only],
        "assumption": assumption,
        "test": test,
        "decisions": decisions,
    }


def memos(api: Api, decisions: list[dict[str, Any]]) -> list[bytes]:
    answers = [api.get(f"decisions/{d['id']}/memo") for d in decisions]
    assert all(a.status_code == 200 and a.content for a in answers)
    return [a.content for a in answers]


def test_preview_counts_what_would_move(api: Api, pair: Any) -> None:
    keep, absorb = pair["keep"], pair["absorb"]
    preview = api.ok(
        api.get(f"problems/{keep['id']}/merge-preview", params={"absorb_id": absorb["id"]})
    )
    assert preview["moves"] == {
        "interviews covering it": 2,
        "evidence items": 1,
        "assumptions": 1,
        "tests": 1,
        "decisions": 1,
        "tags": 2,
    }


def test_merge_moves_everything_keeps_memos_and_refreshes_both_cards(
    api: Api, pair: Any, client: Any
) -> None:
    keep, absorb = pair["keep"], pair["absorb"]
    before = memos(api, pair["decisions"])
    report = api.ok(api.post(f"problems/{keep['id']}/merge", json={"absorb_id": absorb["id"]}))

    assert rows_of(api, "interviews", problem_id=keep["id"]) == {
        i["id"] for i in pair["interviews"]
    }
    assert rows_of(api, "interviews", problem_id=absorb["id"]) == set()
    assert len(rows_of(api, "evidence", problem_id=keep["id"])) == 2
    assert rows_of(api, "evidence", problem_id=absorb["id"]) == set()
    assert api.ok(api.get(f"assumptions/{pair['assumption']['id']}"))["problem_id"] == keep["id"]
    assert api.ok(api.get(f"tests/{pair['test']['id']}"))["problem_id"] == keep["id"]
    assert {api.ok(api.get(f"decisions/{d['id']}"))["problem_id"] for d in pair["decisions"]} == {
        keep["id"]
    }
    kept = api.ok(api.get(f"problems/{keep['id']}"))
    assert sorted(kept["tags"]) == ["billing", "exports", "month-end"]
    assert api.ok(api.get(f"problems/{absorb['id']}"))["deleted_at"] is not None
    assert memos(api, pair["decisions"]) == before

    card = api.ok(api.get(f"problems/{keep['id']}/scorecard"))
    assert card["counts"]["evidence_items"] == 2
    with writing(client) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.id == report["merge_id"])).one()
        assert (event.action, event.entity, event.entity_id) == ("merge", "problem", absorb["id"])
        assert event.after is not None
        assert event.after["dropped"]["interviews covering it"] == [pair["interviews"][0]["id"]]
        assert_every_card_fresh(session, "a merge of problems")


def test_undo_puts_every_row_back(api: Api, pair: Any, client: Any) -> None:
    keep, absorb = pair["keep"], pair["absorb"]
    before = {
        "interviews": rows_of(api, "interviews", problem_id=absorb["id"]),
        "evidence": rows_of(api, "evidence", problem_id=absorb["id"]),
        "kept evidence": rows_of(api, "evidence", problem_id=keep["id"]),
        "tags": api.ok(api.get(f"problems/{keep['id']}"))["tags"],
    }
    memo_bytes = memos(api, pair["decisions"])
    report = api.ok(api.post(f"problems/{keep['id']}/merge", json={"absorb_id": absorb["id"]}))
    restored = api.ok(api.post(f"problem-merges/{report['merge_id']}/undo"))

    assert restored["deleted_at"] is None and sorted(restored["tags"]) == ["exports", "month-end"]
    assert rows_of(api, "interviews", problem_id=absorb["id"]) == before["interviews"]
    assert rows_of(api, "evidence", problem_id=absorb["id"]) == before["evidence"]
    assert rows_of(api, "evidence", problem_id=keep["id"]) == before["kept evidence"]
    assert api.ok(api.get(f"problems/{keep['id']}"))["tags"] == before["tags"]
    assert api.ok(api.get(f"assumptions/{pair['assumption']['id']}"))["problem_id"] == absorb["id"]
    assert memos(api, pair["decisions"]) == memo_bytes
    with writing(client) as session:
        assert_every_card_fresh(session, "an undone merge of problems")
    assert_error(api.post(f"problem-merges/{report['merge_id']}/undo"), 409, "already_undone")


def test_a_participant_merge_is_not_undone_as_a_problem_merge(api: Api) -> None:
    keep, absorb = api.participant(), api.participant()
    report = api.ok(api.post(f"participants/{keep['id']}/merge", json={"absorb_id": absorb["id"]}))
    assert_error(api.post(f"problem-merges/{report['merge_id']}/undo"), 404)


def test_a_deleted_problem_cannot_be_merged(api: Api) -> None:
    keep, absorb = api.problem(), api.problem()
    api.ok(api.delete(f"problems/{absorb['id']}"))
    assert_error(api.post(f"problems/{keep['id']}/merge", json={"absorb_id": absorb["id"]}), 404)


def test_duplicate_titles_are_suggested(api: Api) -> None:
    a = api.problem(title="Bank sync fails")["id"]
    b = api.problem(title="Bank  SYNC fails")["id"]
    c = api.problem(title="Bank sync fail")["id"]
    api.problem(title="Invoices are late")
    pairs = {(s["keep_id"], s["other_id"]) for s in api.ok(api.get("problem-duplicates"))}
    assert pairs == {(a, b), (a, c)}

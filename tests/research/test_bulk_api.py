"""Bulk edits of evidence through the API: one request for a thousand items, one audit event,
fresh scorecards on both sides of a move, and an undo that puts everything back."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.enums import Role
from app.kit.audit import AuditEvent
from app.research.models import EvidenceItem, InterviewProblem
from tests.factories import Api, writing
from tests.scorecards.test_service import fresh_and_stored

TAGS = ("problem_id", "signal", "stance", "severity", "frequency", "deleted_at")


def many_items(api: Api, problem_id: int, count: int, interview_id: int | None = None) -> None:
    """`count` evidence items of a problem, written in one transaction."""
    with writing(api.client) as session:
        ctx = api.context(session, Role.contributor)
        session.add_all(
            EvidenceItem(
                workspace_id=ctx.id,
                created_by=ctx.user_id,
                problem_id=problem_id,
                interview_id=interview_id,
                quote=f"Bug report {i}: the export crashed",
                signal="stated" if i % 2 else "mentioned",
                stance="supports",
                severity=(i % 5) + 1 if i % 2 else None,
            )
            for i in range(count)
        )
        session.commit()


def state(client: TestClient) -> dict[int, tuple[Any, ...]]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = session.exec(select(EvidenceItem)).all()
        return {r.id or 0: tuple(str(getattr(r, k)) for k in TAGS) for r in rows}


def assert_cards_fresh(client: TestClient, *problem_ids: int) -> None:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        for problem_id in problem_ids:
            fresh, stored = fresh_and_stored(session, problem_id)
            assert stored == fresh, f"stale scorecard of problem {problem_id}"


@pytest.fixture
def bugs(api: Api) -> dict[str, Any]:
    source, target = api.problem(title="Bugs"), api.problem(title="Exports break")
    interview = api.interview(problem_ids=[source["id"]])
    many_items(api, source["id"], 1_000, interview_id=interview["id"])
    return {"source": source, "target": target, "interview": interview}


def test_a_thousand_items_move_in_one_request_and_undo_puts_them_back(
    api: Api, bugs: dict[str, Any]
) -> None:
    source, target = bugs["source"]["id"], bugs["target"]["id"]
    before = state(api.client)
    body = {"filter": {"problem_id": source, "q": "export"}, "change": {"problem_id": target}}
    result = api.ok(api.post("evidence/bulk", json=body))

    assert result["changed"] == 1_000 and result["skipped"] == []
    assert result["problem_ids"] == sorted([source, target])
    moved = api.ok(api.get("evidence", params={"problem_id": target, "limit": 1}))
    assert moved["total"] == 1_000
    assert_cards_fresh(api.client, source, target)
    with Session(api.client.app.state.engine) as session:  # type: ignore[attr-defined]
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "bulk_edit")).all()
        assert len(events) == 1
        assert events[0].before and len(events[0].before["items"]) == 1_000
        assert events[0].before["filter"]["problem_id"] == source
        covered = session.exec(
            select(InterviewProblem).where(InterviewProblem.problem_id == target)
        ).all()
        assert [c.interview_id for c in covered] == [bugs["interview"]["id"]]

    api.ok(api.post(f"evidence/bulk/{result['event_id']}/undo"))

    after = state(api.client)
    assert after == before
    assert_cards_fresh(api.client, source, target)
    with Session(api.client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert (
            session.exec(
                select(InterviewProblem).where(InterviewProblem.problem_id == target)
            ).all()
            == []
        )


def test_retag_and_delete_are_undone_exactly(api: Api, bugs: dict[str, Any]) -> None:
    source = bugs["source"]["id"]
    before = state(api.client)
    change = {"signal": "workaround", "severity": 4, "frequency": "weekly"}
    retag = api.ok(
        api.post("evidence/bulk", json={"filter": {"problem_id": source}, "change": change})
    )
    items = api.ok(api.get("evidence", params={"problem_id": source, "limit": 5}))["items"]
    assert {(i["signal"], i["stance"], i["severity"], i["frequency"]) for i in items} == {
        ("workaround", "supports", 4, "weekly")
    }
    assert_cards_fresh(api.client, source)
    gone = api.ok(
        api.post("evidence/bulk", json={"filter": {"severity": 4}, "change": {"delete": True}})
    )
    assert gone["changed"] == 1_000
    assert api.ok(api.get("evidence", params={"problem_id": source}))["total"] == 0
    assert_cards_fresh(api.client, source)

    api.ok(api.post(f"evidence/bulk/{gone['event_id']}/undo"))
    api.ok(api.post(f"evidence/bulk/{retag['event_id']}/undo"))

    assert state(api.client) == before
    assert_cards_fresh(api.client, source)
    again = api.post(f"evidence/bulk/{retag['event_id']}/undo")
    assert again.status_code == 409


def test_items_edited_meanwhile_are_reported_not_overwritten(api: Api) -> None:
    problem = api.problem()
    first = api.evidence(problem["id"], signal="stated", severity=2)
    second = api.evidence(problem["id"], signal="stated", severity=2)
    seen_at = api.ok(api.get(f"evidence/{first['id']}"))["updated_at"]
    api.ok(api.patch(f"evidence/{second['id']}", json={"version": 1, "severity": 5}))

    body = {
        "ids": [first["id"], second["id"]],
        "change": {"severity": 1},
        "seen_at": seen_at,
    }
    result = api.ok(api.post("evidence/bulk", json=body))

    assert result["changed"] == 1 and result["skipped"] == [second["id"]]
    assert api.ok(api.get(f"evidence/{second['id']}"))["severity"] == 5
    # An undo leaves alone an item edited after the bulk edit.
    api.ok(api.patch(f"evidence/{first['id']}", json={"version": 2, "severity": 3}))
    undone = api.ok(api.post(f"evidence/bulk/{result['event_id']}/undo"))
    assert undone["changed"] == 0 and undone["skipped"] == [first["id"]]
    assert api.ok(api.get(f"evidence/{first['id']}"))["severity"] == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ids": [1], "change": {}}, "choose a change"),
        ({"ids": [1], "change": {"delete": True, "severity": 2}}, "not both"),
        ({"change": {"severity": 2}}, "either ids or a filter"),
        ({"ids": [1], "change": {"signal": "paid", "stance": "contradicts"}}, "stance"),
        ({"ids": [99_999], "change": {"severity": 2}}, "not live evidence"),
        ({"ids": [1], "change": {"problem_id": 99_999}}, "no problem 99999"),
    ],
)
def test_bad_bulk_edits_are_refused_plainly(api: Api, body: dict[str, Any], message: str) -> None:
    api.evidence(api.problem()["id"])
    response = api.post("evidence/bulk", json=body)
    assert response.status_code == 422
    assert message in response.text


def test_a_stance_alone_must_agree_with_each_signal(api: Api) -> None:
    item = api.evidence(api.problem()["id"], signal="paid")
    response = api.post(
        "evidence/bulk", json={"ids": [item["id"]], "change": {"stance": "contradicts"}}
    )
    assert response.status_code == 422
    assert "choose a signal instead" in response.json()["error"]["message"]


def test_another_workspace_cannot_undo_or_touch_the_items(client: TestClient, api: Api) -> None:
    item = api.evidence(api.problem()["id"])
    result = api.ok(
        api.post("evidence/bulk", json={"ids": [item["id"]], "change": {"severity": 2}})
    )
    other = Api.signed_up(client, email="olga@example.com", workspace="elsewhere")
    assert other.post(f"evidence/bulk/{result['event_id']}/undo").status_code == 404
    refused = other.post("evidence/bulk", json={"ids": [item["id"]], "change": {"severity": 5}})
    assert refused.status_code == 422
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        row = session.exec(select(EvidenceItem).where(col(EvidenceItem.id) == item["id"])).one()
        assert row.severity == 2

"""Every write leaves an audit event, in the same transaction as the write."""

from typing import Any

import pytest

from app.errors import Conflict
from tests.factories import Api
from tests.helpers import CHANGES, MAKERS, assert_error

Event = dict[str, Any]


def events(api: Api, **params: Any) -> list[Event]:
    return api.ok(api.get("audit", params=params))["items"]


def latest(api: Api, entity: str, entity_id: int | None = None) -> Event:
    params: dict[str, Any] = {"entity": entity}
    if entity_id is not None:
        params["entity_id"] = entity_id
    return events(api, **params)[0]


def test_create_update_delete_and_restore_are_audited_with_before_and_after(api: Api) -> None:
    problem = api.problem(title="Exports break")
    url = f"problems/{problem['id']}"
    api.ok(api.patch(url, json={"version": 1, "title": "Exports break at month end"}))
    api.ok(api.delete(url))
    api.ok(api.post(f"{url}/restore"))

    trail = events(api, entity="problem", entity_id=problem["id"])
    assert [e["action"] for e in trail] == ["restore", "delete", "update", "create"]
    restored, deleted, updated, created = trail
    for event in trail:
        assert (event["actor_id"], event["entity"], event["entity_id"]) == (
            api.user_id,
            "problem",
            problem["id"],
        )

    assert created["before"] is None
    assert created["after"]["title"] == "Exports break"
    assert created["after"]["version"] == 1

    assert (updated["before"]["title"], updated["after"]["title"]) == (
        "Exports break",
        "Exports break at month end",
    )
    assert (updated["before"]["version"], updated["after"]["version"]) == (1, 2)

    assert deleted["before"]["deleted_at"] is None
    assert deleted["after"]["deleted_at"] is not None
    assert restored["before"]["deleted_at"] is not None
    assert restored["after"]["deleted_at"] is None
    assert restored["after"]["version"] == 4


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("segments", "segment"),
        ("participants", "participant"),
        ("interviews", "interview"),
        ("evidence", "evidence_item"),
        ("assumptions", "assumption"),
        ("tests", "assumption_test"),
        ("decisions", "decision"),
    ],
)
def test_every_collection_audits_its_writes(api: Api, path: str, entity: str) -> None:
    row = MAKERS[path](api)
    created = latest(api, entity, row["id"])
    assert (created["action"], created["actor_id"]) == ("create", api.user_id)
    assert created["after"]["id"] == row["id"]

    api.ok(api.patch(f"{path}/{row['id']}", json={"version": 1} | CHANGES[path]))
    updated = latest(api, entity, row["id"])
    assert updated["action"] == "update"
    assert (updated["before"]["version"], updated["after"]["version"]) == (1, 2)
    changed = {k for k in updated["after"] if updated["after"][k] != updated["before"].get(k)} - {
        "version",
        "updated_at",
    }
    assert changed, updated


def test_interview_with_highlights_audits_each_row(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(
        problem_ids=[problem["id"]],
        highlights=[
            {"problem_id": problem["id"], "quote": "one", "signal": "paid"},
            {"problem_id": problem["id"], "quote": "two", "signal": "stated"},
        ],
    )
    assert latest(api, "interview", interview["id"])["action"] == "create"
    audited = {e["entity_id"] for e in events(api, entity="evidence_item")}
    assert audited == {e["id"] for e in interview["evidence"]}


def test_member_changes_are_audited(api: Api) -> None:
    carol = api.as_member("carol@example.com", "viewer")
    api.ok(api.patch(f"members/{carol.user_id}", json={"version": 1, "role": "decider"}))
    assert api.delete(f"members/{carol.user_id}").status_code == 204

    trail = events(api, entity="membership")
    assert [e["action"] for e in trail] == ["delete", "update", "create"]
    removed, changed, added = trail
    assert all(e["actor_id"] == api.user_id for e in trail)
    assert len({e["entity_id"] for e in trail}) == 1
    assert (added["after"]["user_id"], added["after"]["role"]) == (carol.user_id, "viewer")
    assert (changed["before"]["role"], changed["after"]["role"]) == ("viewer", "decider")
    assert removed["before"]["role"] == "decider"
    assert removed["after"] is None


def test_workspace_creation_and_changes_are_audited(api: Api) -> None:
    api.ok(api.patch("", json={"version": 1, "description": "Discovery for Q3"}))
    trail = events(api, entity="workspace")
    assert [e["action"] for e in trail] == ["update", "create"]
    assert trail[0]["before"]["description"] == ""
    assert trail[0]["after"]["description"] == "Discovery for Q3"


def test_a_decision_audits_the_problem_it_moves(api: Api) -> None:
    problem = api.problem()
    body = {"problem_id": problem["id"], "kind": "pursue", "rationale": "Customers pay."}
    decision = api.ok(api.post("decisions", json=body), 201)
    assert latest(api, "decision", decision["id"])["after"]["kind"] == "pursue"
    moved = latest(api, "problem", problem["id"])
    assert moved["action"] == "update"
    assert (moved["before"]["status"], moved["after"]["status"]) == ("exploring", "decided")


def test_a_refused_write_leaves_no_event(api: Api) -> None:
    before = api.ok(api.get("audit"))["total"]
    problem = api.problem()
    stale = api.patch(f"problems/{problem['id']}", json={"version": 9, "title": "x"})
    assert_error(stale, 409, "stale_version")
    invalid = api.post("evidence", json={"problem_id": problem["id"], "quote": "", "signal": "x"})
    assert_error(invalid, 422)
    assert api.ok(api.get("audit"))["total"] == before + 1  # only the problem's creation


def test_a_write_that_fails_after_its_event_was_recorded_leaves_neither(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event is written in the write's transaction: when the write rolls back, so does it."""
    problem = api.problem()
    before = api.ok(api.get("audit"))["total"]

    def fail(*args: Any, **kwargs: Any) -> None:
        raise Conflict("The scorecard could not be refreshed.", code="refresh_failed")

    monkeypatch.setattr("app.scorecards.service.refresh", fail)
    response = api.post(
        "interviews",
        json={
            "occurred_on": "2026-10-01",
            "highlights": [{"problem_id": problem["id"], "quote": "q", "signal": "paid"}],
        },
    )
    assert_error(response, 409, "refresh_failed")
    patch = api.patch(f"problems/{problem['id']}", json={"version": 1, "title": "Renamed"})
    assert_error(patch, 409, "refresh_failed")
    monkeypatch.undo()

    assert api.ok(api.get("audit"))["total"] == before
    assert api.ok(api.get("interviews"))["total"] == 0
    assert api.ok(api.get("evidence"))["total"] == 0
    now = api.ok(api.get(f"problems/{problem['id']}"))
    assert (now["title"], now["version"]) == (problem["title"], 1)


def test_audit_list_filters_and_pages_newest_first(api: Api) -> None:
    bob = api.as_member("bob@example.com", "contributor")
    first = api.problem()
    second = bob.problem()
    api.participant()

    everything = api.ok(api.get("audit"))
    assert everything["total"] == len(everything["items"])
    stamps = [e["id"] for e in everything["items"]]
    assert stamps == sorted(stamps, reverse=True)

    problems = events(api, entity="problem")
    assert [e["entity_id"] for e in problems] == [second["id"], first["id"]]
    assert [e["entity_id"] for e in events(api, entity="problem", actor_id=bob.user_id)] == [
        second["id"]
    ]
    assert [e["action"] for e in events(api, entity="problem", entity_id=first["id"])] == ["create"]
    assert events(api, entity="segment") == []

    page = api.ok(api.get("audit", params={"limit": 2, "offset": 1}))
    assert (page["total"], len(page["items"])) == (everything["total"], 2)
    assert [e["id"] for e in page["items"]] == stamps[1:3]


def test_audit_is_scoped_to_the_workspace(api: Api) -> None:
    other = Api.signed_up(api.client, email="olga@example.com", workspace="elsewhere")
    other.problem()
    api.problem()
    mine = events(api, entity="problem")
    theirs = events(other, entity="problem")
    assert len(mine) == len(theirs) == 1
    assert mine[0]["actor_id"] == api.user_id
    assert theirs[0]["actor_id"] == other.user_id

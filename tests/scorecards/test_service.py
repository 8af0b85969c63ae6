"""The stored scorecard always equals a fresh computation, after every kind of write."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from app.problems.models import Problem
from app.scorecards import service as store
from app.scorecards.models import ProblemScorecard
from app.workspaces.models import Workspace
from tests.factories import Api


def fresh_and_stored(session: Session, problem_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    workspace = session.exec(select(Workspace).where(Workspace.slug == "acme")).one()
    problem = session.get(Problem, problem_id)
    assert problem is not None
    fresh = store.compute(session=session, workspace=workspace, problem=problem).model_dump(
        mode="json"
    )
    stored_row = session.get(ProblemScorecard, problem_id)
    assert stored_row is not None, "no stored scorecard"
    stored = dict(stored_row.data)
    # The moment of computation differs by construction; everything else must be equal.
    fresh.pop("as_of")
    stored.pop("as_of")
    return fresh, stored


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    """Two segments, two problems, three participants and an interview with highlights."""
    smb = api.segment(name="SMB", size=300)
    ent = api.segment(name="Enterprise", size=100)
    first, second = api.problem(), api.problem()
    people = [
        api.participant(segment_id=smb["id"]),
        api.participant(segment_id=ent["id"]),
        api.participant(),
    ]
    interview = api.interview(
        participant_id=people[0]["id"],
        problem_ids=[first["id"]],
        highlights=[
            {"problem_id": first["id"], "quote": "We built a spreadsheet", "signal": "workaround"}
        ],
    )
    return {
        "api": api,
        "smb": smb,
        "ent": ent,
        "problems": [first, second],
        "people": people,
        "interview": interview,
    }


def _v(api: Api, path: str) -> int:
    return int(api.ok(api.get(path))["version"])


WRITES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "evidence created": lambda w: w["api"].evidence(
        w["problems"][0]["id"], participant_id=w["people"][1]["id"]
    ),
    "evidence moved to another problem": lambda w: w["api"].patch(
        f"evidence/{w['interview']['evidence'][0]['id']}",
        json={"version": 1, "problem_id": w["problems"][1]["id"]},
    ),
    "evidence signal weakened": lambda w: w["api"].patch(
        f"evidence/{w['interview']['evidence'][0]['id']}",
        json={"version": 1, "signal": "mentioned"},
    ),
    "evidence deleted": lambda w: w["api"].delete(
        f"evidence/{w['interview']['evidence'][0]['id']}"
    ),
    "interview with highlights": lambda w: w["api"].interview(
        participant_id=w["people"][1]["id"],
        problem_ids=[w["problems"][1]["id"]],
        highlights=[
            {"problem_id": w["problems"][1]["id"], "quote": "We pay for it", "signal": "paid"}
        ],
    ),
    "interview coverage changed": lambda w: w["api"].patch(
        f"interviews/{w['interview']['id']}",
        json={"version": 1, "problem_ids": [w["problems"][1]["id"]]},
    ),
    "interview participant changed": lambda w: w["api"].patch(
        f"interviews/{w['interview']['id']}",
        json={"version": 1, "participant_id": w["people"][2]["id"]},
    ),
    "interview deleted": lambda w: w["api"].delete(f"interviews/{w['interview']['id']}"),
    "participant segment changed": lambda w: w["api"].patch(
        f"participants/{w['people'][0]['id']}", json={"version": 1, "segment_id": w["ent"]["id"]}
    ),
    "participant deleted": lambda w: w["api"].delete(f"participants/{w['people'][0]['id']}"),
    "segment size changed": lambda w: w["api"].patch(
        f"segments/{w['smb']['id']}", json={"version": 1, "size": 5}
    ),
    "segment deleted": lambda w: w["api"].delete(f"segments/{w['smb']['id']}"),
    "critical assumption added": lambda w: w["api"].assumption(
        w["problems"][0]["id"], critical=True
    ),
    "test concluded": lambda w: _conclude(w),
    "thresholds changed": lambda w: w["api"].patch(
        "settings/scoring", json={"version": _v(w["api"], "settings/scoring"), "pain_threshold": 20}
    ),
    "kill criteria changed": lambda w: w["api"].patch(
        f"problems/{w['problems'][0]['id']}",
        json={
            "version": _v(w["api"], f"problems/{w['problems'][0]['id']}"),
            "kill_criteria": {"pain": 10},
        },
    ),
    "feasibility estimate changed": lambda w: w["api"].patch(
        f"problems/{w['problems'][0]['id']}",
        json={
            "version": _v(w["api"], f"problems/{w['problems'][0]['id']}"),
            "feasibility_estimate": 90,
        },
    ),
    "decision recorded": lambda w: w["api"].post(
        "decisions",
        json={"problem_id": w["problems"][0]["id"], "kind": "halt", "rationale": "Too shallow"},
    ),
}


def _conclude(w: dict[str, Any]) -> Any:
    api = w["api"]
    assumption = api.assumption(w["problems"][0]["id"], critical=True, category="feasibility")
    card = api.test_card(assumption["id"], status="running")
    return api.patch(
        f"tests/{card['id']}",
        json={
            "version": card["version"],
            "status": "concluded",
            "observed_value": 0.2,
            "learning": "Exports time out on large ledgers.",
        },
    )


@pytest.mark.parametrize("write", list(WRITES))
def test_stored_scorecard_equals_fresh_computation(
    write: str, world: dict[str, Any], session: Session
) -> None:
    response = WRITES[write](world)
    status = getattr(response, "status_code", 200)
    assert status < 300, getattr(response, "text", "")
    for problem in world["problems"]:
        session.expire_all()
        fresh, stored = fresh_and_stored(session, problem["id"])
        assert stored == fresh, (
            f"stored scorecard of problem {problem['id']} is stale after: {write}"
        )


def test_scorecard_changes_with_the_write(world: dict[str, Any]) -> None:
    api, first = world["api"], world["problems"][0]
    before = api.ok(api.get(f"problems/{first['id']}/scorecard"))
    api.evidence(first["id"], participant_id=world["people"][1]["id"], signal="paid")
    after = api.ok(api.get(f"problems/{first['id']}/scorecard"))
    assert after["counts"]["participants"] == before["counts"]["participants"] + 1
    assert after["reach"]["value"] > before["reach"]["value"]

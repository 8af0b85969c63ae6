"""The unit of work keeps every stored scorecard fresh, whichever path wrote: the HTML forms,
the CLI, the imports, and writers that commit at the same moment. (The API's writes are covered
one by one in test_service.py.)"""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.problems.models import Problem
from app.scorecards import service as store
from app.scorecards.models import ProblemScorecard
from app.workspaces.models import Workspace
from tests.dataio.test_csv_import import csv_of
from tests.factories import Api
from tests.pages import Web
from tests.scorecards.test_service import fresh_and_stored


def assert_every_card_fresh(session: Session, after: str) -> None:
    session.expire_all()
    workspace = session.exec(select(Workspace).where(Workspace.slug == "acme")).one()
    problems = session.exec(select(Problem).where(Problem.workspace_id == workspace.id)).all()
    assert problems, "the world has no problems"
    for problem in problems:
        fresh, stored = fresh_and_stored(session, problem.id or 0)
        assert stored == fresh, f"stored scorecard of problem {problem.id} is stale after: {after}"


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    smb = api.segment(name="SMB", size=300)
    first, second = api.problem(title="Exports break"), api.problem(title="Invoices late")
    person = api.participant(name="Bea", segment_id=smb["id"])
    interview = api.interview(
        participant_id=person["id"],
        problem_ids=[first["id"]],
        highlights=[{"problem_id": first["id"], "quote": "We rebuild it", "signal": "workaround"}],
    )
    assumption = api.assumption(first["id"], critical=True, category="feasibility")
    test = api.test_card(assumption["id"], status="running")
    return {
        "segment": smb,
        "problems": [first, second],
        "person": person,
        "interview": interview,
        "assumption": assumption,
        "test": test,
    }


def _interview_form(problem_id: int) -> dict[str, Any]:
    return {
        "kind": "interview",
        "occurred_on": "2026-10-01",
        "problem_ids": [str(problem_id)],
        "notes": "Call with the finance lead",
        "h_quote": ["We pay a contractor", "Every week"],
        "h_problem": [str(problem_id)] * 2,
        "h_signal": ["paid", "workaround"],
        "h_severity": ["4", "3"],
        "h_frequency": ["weekly", "weekly"],
    }


PAGE_WRITES: dict[str, Callable[[Web, dict[str, Any]], Any]] = {
    "interview logged": lambda web, w: web.post(
        "interviews", _interview_form(w["problems"][1]["id"])
    ),
    "interview deleted": lambda web, w: web.post(f"interviews/{w['interview']['id']}/delete"),
    "problem edited": lambda web, w: web.post(
        f"problems/{w['problems'][0]['id']}",
        {"version": w["problems"][0]["version"], "title": "Exports break", "feasibility": "90"},
    ),
    "problem deleted": lambda web, w: web.post(f"problems/{w['problems'][0]['id']}/delete"),
    "assumption added": lambda web, w: web.post(
        f"problems/{w['problems'][1]['id']}/assumptions",
        {"statement": "Finance will pay", "category": "viability", "critical": "on"},
    ),
    "segment resized": lambda web, w: web.post(
        f"settings/segments/{w['segment']['id']}", {"version": 1, "size": "5"}
    ),
    "segment deleted": lambda web, w: web.post(f"settings/segments/{w['segment']['id']}/delete"),
    "thresholds changed": lambda web, w: web.post(
        "settings/scoring",
        {
            "version": 1,
            "pain_threshold": "20",
            "reach_threshold": "5",
            "feasibility_threshold": "10",
            "min_participants": "1",
        },
    ),
    "test concluded": lambda web, w: web.post(
        f"tests/{w['test']['id']}/conclude",
        {"version": w["test"]["version"], "observed_value": "0.1", "learning": "Too slow"},
    ),
    "decision recorded": lambda web, w: web.post(
        f"problems/{w['problems'][0]['id']}/decide",
        {"kind": "halt", "rationale": "Too shallow for now", "against_reason": "No budget."},
    ),
}


@pytest.mark.parametrize("write", list(PAGE_WRITES))
def test_page_writes_keep_stored_cards_fresh(
    write: str, api: Api, world: dict[str, Any], session: Session
) -> None:
    web = Web(api.client, api.ws)
    web.sign_in("ada@example.com")
    response = PAGE_WRITES[write](web, world)
    assert response.status_code in (200, 204, 303), response.text
    assert_every_card_fresh(session, write)


def test_cli_writes_keep_stored_cards_fresh(
    world: dict[str, Any], cli: Callable[..., Any], session: Session
) -> None:
    person = world["person"]["id"]
    result = cli("participant", "erase", str(person), "--workspace", "acme", "--yes")
    assert result.exit_code == 0, result.output
    assert_every_card_fresh(session, "participant erased from the CLI")


def test_csv_import_keeps_stored_cards_fresh(
    api: Api, world: dict[str, Any], session: Session
) -> None:
    title = world["problems"][1]["title"]
    rows = [
        f"Person {i},SMB,2026-10-0{1 + i % 9},interview,Exports time out ({i}),{title},,paid,4,"
        for i in range(30)
    ]
    response = api.post(
        "import/interviews",
        files={"file": ("highlights.csv", csv_of(*rows), "text/csv")},
    )
    assert response.status_code < 300, response.text
    assert api.ok(response)["imported"] == 30
    assert_every_card_fresh(session, "CSV import")


def test_workspace_import_stores_fresh_cards(
    api: Api, world: dict[str, Any], session: Session
) -> None:
    document = api.ok(api.get("export"))
    response = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        data={"slug": "acme-copy"},
        files={"file": ("acme.json", json.dumps(document).encode(), "application/json")},
    )
    assert response.status_code == 201, response.text
    copy = session.exec(select(Workspace).where(Workspace.slug == "acme-copy")).one()
    problems = session.exec(select(Problem).where(Problem.workspace_id == copy.id)).all()
    assert len(problems) == 2
    for problem in problems:
        card = session.get(ProblemScorecard, problem.id)
        assert card is not None, "the imported problem has no stored card"
        fresh = store.compute(session=session, workspace=copy, problem=problem).model_dump(
            mode="json"
        )
        stored = dict(card.data)
        fresh.pop("as_of")
        stored.pop("as_of")
        assert stored == fresh


WRITERS = 8
ROUNDS = 5


def test_a_burst_of_simultaneous_interviews_leaves_a_fresh_card(
    api: Api, app: Any, session: Session
) -> None:
    """Each writer's transaction refreshes the card; without a per-problem lock, each computes
    from its own snapshot and the last commit wins with a card missing the others' evidence."""
    problem = api.problem(title="Month-end exports break")
    people = [api.participant(name=f"Person {i}") for i in range(WRITERS)]
    clients = [TestClient(app) for _ in range(WRITERS)]

    def post(writer: int, start: Barrier) -> int:
        start.wait(timeout=30)
        response = clients[writer].post(
            api.url("interviews"),
            headers=api.headers,
            json={
                "occurred_on": "2026-10-01",
                "participant_id": people[writer]["id"],
                "problem_ids": [problem["id"]],
                "highlights": [
                    {"problem_id": problem["id"], "quote": f"Quote {writer}", "signal": "paid"}
                ],
            },
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for round_ in range(1, ROUNDS + 1):
            start = Barrier(WRITERS)
            statuses = list(pool.map(lambda w: post(w, start), range(WRITERS)))  # noqa: B023
            assert statuses == [201] * WRITERS
            session.expire_all()
            fresh, stored = fresh_and_stored(session, problem["id"])
            assert stored == fresh, f"stale stored card after round {round_}"
    for client in clients:
        client.close()

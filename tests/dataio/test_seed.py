"""The demo workspace: each problem shows the case it was written for."""

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from app.auth.models import User
from app.dataio.seed import load_demo
from tests.factories import Api

# title -> (recommendation, flags it must carry)
CASES = {
    "Job notes are re-typed into invoices": ("pursue", set()),
    "Franchisors cannot see whether brand standards are followed": ("pivot", set()),
    "The reporting dashboard is hard to read": ("halt", {"opinions_only"}),
    "Technicians cannot check parts stock and price on the job": ("halt", set()),
    "Dispatchers cannot predict how long a job will take": ("investigate", set()),
    "Homeowners cannot book a visit outside office hours": (
        "investigate",
        {"single_source", "owner_only", "no_disconfirming", "against_evidence"},
    ),
    "Small firms wait weeks to get paid and chase invoices by phone": ("investigate", set()),
    "Warranty claims are rejected for missing paperwork": ("pivot", set()),
}


def row_counts(session: Session) -> dict[str, int]:
    return {
        name: session.exec(select(func.count()).select_from(table)).one()
        for name, table in SQLModel.metadata.tables.items()
    }


def test_every_case_gets_its_recommendation_and_says_why(demo: Api) -> None:
    problems = demo.ok(demo.get("problems", params={"limit": 100}))["items"]
    assert {p["title"] for p in problems} == set(CASES)
    for problem in problems:
        card = demo.ok(demo.get(f"problems/{problem['id']}/scorecard"))
        recommendation, flags = CASES[problem["title"]]
        assert card["recommendation"]["value"] == recommendation, problem["title"]
        assert flags <= {flag["code"] for flag in card["flags"]}, problem["title"]

    by_title = {p["title"]: p for p in problems}

    def card(title: str) -> dict[str, Any]:
        return demo.ok(demo.get(f"problems/{by_title[title]['id']}/scorecard"))  # type: ignore[no-any-return]

    pivot = card("Franchisors cannot see whether brand standards are followed")
    assert "Franchise networks" in " ".join(pivot["recommendation"]["reasons"])
    killed = card("Technicians cannot check parts stock and price on the job")
    assert any("was invalidated" in r for r in killed["recommendation"]["reasons"])
    thin = card("Dispatchers cannot predict how long a job will take")
    assert thin["confidence"]["level"] == "low"
    assert thin["recommendation"]["would_change_call"]
    blocked = card("Warranty claims are rejected for missing paperwork")
    assert "blocked by" in " ".join(blocked["recommendation"]["reasons"])


def test_demo_has_the_promised_size(demo: Api) -> None:
    def total(path: str) -> int:
        return int(demo.ok(demo.get(path, params={"limit": 1}))["total"])

    assert total("segments") == 4
    assert total("participants") == 40
    assert total("interviews") >= 60
    assert total("evidence") >= 250
    assert total("assumptions") == 20
    assert total("decisions") == 3
    kinds = {i["kind"] for i in demo.ok(demo.get("interviews", params={"limit": 200}))["items"]}
    assert {"interview", "observation", "support_ticket", "churn_interview"} <= kinds
    outcomes = {t["outcome"] for t in demo.ok(demo.get("tests", params={"limit": 200}))["items"]}
    assert {"validated", "invalidated", None} <= outcomes
    assert demo.ok(demo.get("audit", params={"limit": 1}))["total"] > 300


def test_loading_twice_changes_nothing(api: Api, engine: Any) -> None:
    with Session(engine) as session:
        user = session.get(User, api.user_id)
        assert user is not None
        first = load_demo(session, user)
        session.commit()
        before = row_counts(session)
        again = load_demo(session, user)
        session.commit()
        assert again.id == first.id
        assert row_counts(session) == before

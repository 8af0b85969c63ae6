"""The review queue lists exactly the problems that changed since their last decision."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.auth.models import User
from app.decisions.review import review_queue
from app.enums import Role
from app.kit.rows import Page
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Workspace
from tests.decisions.test_api import decide
from tests.factories import Api

TODAY = datetime.now(UTC).date()


def _queue(api: Api) -> dict[int, dict[str, Any]]:
    body = api.ok(api.get("review"))
    assert body["total"] == len(body["items"])
    return {item["problem_id"]: item for item in body["items"]}


def _codes(item: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in item["reasons"]]


def _conclude(api: Api, test: dict[str, Any], observed: float) -> None:
    body = {"version": 1, "status": "concluded", "observed_value": observed, "learning": "Done."}
    api.ok(api.patch(f"tests/{test['id']}", json=body))


def test_the_queue_lists_exactly_the_problems_that_changed(api: Api) -> None:
    segment = api.segment(name="Mid-market", size=100)
    people = [api.participant(segment_id=segment["id"]) for _ in range(4)]

    unchanged = api.problem(title="Unchanged")
    api.evidence(unchanged["id"], participant_id=people[0]["id"])
    decide(api, unchanged["id"], "park")

    gained = api.problem(title="Gained evidence")
    api.evidence(gained["id"], participant_id=people[0]["id"], signal="mentioned", quote="Meh.")
    gained_decision = decide(api, gained["id"], "park")
    api.evidence(gained["id"], participant_id=people[1]["id"], quote="We pay a contractor.")
    api.evidence(gained["id"], participant_id=people[2]["id"], signal="workaround", quote="Macros.")
    api.evidence(
        gained["id"], participant_id=people[3]["id"], signal="not_experienced", quote="No."
    )

    due = api.problem(title="Review due")
    # A review date cannot be set in the past; one that has come is due.
    decide(api, due["id"], "park", review_on=TODAY.isoformat())
    not_due = api.problem(title="Review later")
    decide(api, not_due["id"], "park", review_on=(TODAY + timedelta(days=30)).isoformat())

    turned = api.problem(title="Recommendation changed", feasibility_estimate=70)
    assumption = api.assumption(turned["id"], critical=True, statement="IT will approve SSO")
    test = api.test_card(assumption["id"], method="pilot")
    turned_decision = decide(api, turned["id"], "pursue")
    _conclude(api, test, 0.1)

    never = api.problem(title="Never decided")
    api.evidence(never["id"], quote="It hurts.", signal="stated", severity=4)
    api.problem(title="Nothing at all")
    overdue = api.problem(
        title="Overdue, never decided", review_by=(TODAY - timedelta(days=3)).isoformat()
    )
    reviewed = api.problem(
        title="Decided after its review-by date", review_by=(TODAY - timedelta(days=3)).isoformat()
    )
    decide(api, reviewed["id"], "park")
    archived = api.problem(title="Archived", status="archived")
    api.evidence(archived["id"])

    queue = _queue(api)
    assert set(queue) == {gained["id"], due["id"], turned["id"], never["id"], overdue["id"]}

    item = queue[gained["id"]]
    assert _codes(item) == ["new_evidence"]
    assert item["new_evidence"] == {
        "total": 3,
        "supporting": 2,
        "contradicting": 1,
        "behavioural": 2,
        "by_signal": {"paid": 1, "workaround": 1, "not_experienced": 1},
    }
    assert item["new_tests"] == []
    assert item["last_decision"]["id"] == gained_decision["id"]
    frozen = gained_decision["scorecard"]
    now = api.ok(api.get(f"problems/{gained['id']}/scorecard"))
    for score in ("pain", "reach", "feasibility"):
        then_value, now_value = frozen[score]["value"], now[score]["value"]
        assert item[score] == {
            "then": then_value,
            "now": now_value,
            "change": round(now_value - then_value, 2),
        }
    assert item["pain"]["change"] > 0  # behaviour outweighs a mention
    assert item["reach"]["change"] > 0
    assert item["feasibility"]["change"] == 0

    assert _codes(queue[due["id"]]) == ["review_due"]
    assert queue[due["id"]]["review_due_on"] == TODAY.isoformat()
    assert queue[due["id"]]["pain"]["change"] == 0

    item = queue[turned["id"]]
    assert _codes(item) == ["recommendation_changed", "tests_concluded"]
    assert (item["recommendation_then"], item["recommendation_now"]) == ("investigate", "halt")
    assert "from investigate to halt" in item["reasons"][0]["message"]
    [concluded] = item["new_tests"]
    assert concluded["test_id"] == test["id"]
    assert (concluded["assumption"], concluded["outcome"], concluded["criterion"]) == (
        "IT will approve SSO",
        "invalidated",
        "at least 90 %",
    )
    assert item["feasibility"] == {
        "then": turned_decision["scorecard"]["feasibility"]["value"],
        "now": 20.0,  # a critical assumption invalidated caps feasibility at 20
        "change": round(20.0 - turned_decision["scorecard"]["feasibility"]["value"], 2),
    }
    assert item["new_evidence"]["total"] == 0

    item = queue[never["id"]]
    assert _codes(item) == ["new_evidence", "never_decided"]
    assert item["last_decision"] is None
    assert item["pain"]["then"] is None and item["pain"]["change"] is None
    assert item["new_evidence"]["total"] == 1

    assert _codes(queue[overdue["id"]]) == ["review_due"]


def test_a_new_decision_takes_a_problem_off_the_queue(api: Api) -> None:
    problem = api.problem()
    decide(api, problem["id"], "park")
    api.evidence(problem["id"])
    assert problem["id"] in _queue(api)
    decide(api, problem["id"], "park", rationale="Reviewed the new quote; still parked.")
    assert _queue(api) == {}


def test_deleted_evidence_does_not_count_as_new(api: Api) -> None:
    problem = api.problem()
    decide(api, problem["id"], "park")
    item = api.evidence(problem["id"])
    api.ok(api.delete(f"evidence/{item['id']}"))
    assert _queue(api) == {}


def test_the_review_date_falls_due_as_days_pass(api: Api, engine: Engine) -> None:
    problem = api.problem()
    decide(api, problem["id"], "park", review_on="2031-06-30")
    with Session(engine) as session:
        workspace = session.exec(select(Workspace).where(Workspace.slug == "acme")).one()
        user = session.get(User, api.user_id)
        assert user is not None
        ctx = WorkspaceContext(workspace=workspace, user=user, role=Role.admin)
        page = Page(limit=10, offset=0)
        before = review_queue(session=session, ctx=ctx, today=date(2031, 6, 29), page=page)
        assert before.items == []
        [item] = review_queue(session=session, ctx=ctx, today=date(2031, 6, 30), page=page).items
    assert item.problem_id == problem["id"]
    assert item.review_due_on == date(2031, 6, 30)


def test_the_queue_is_per_workspace(api: Api, client: Any) -> None:
    api.evidence(api.problem()["id"])
    stranger = Api.signed_up(client, email="eve@example.com", workspace="globex")
    assert _queue(stranger) == {}
    assert len(_queue(api)) == 1


def test_the_queue_pages_in_order_with_its_total(api: Api) -> None:
    problems = [api.problem(title=f"Problem {i}")["id"] for i in range(3)]
    for count, problem_id in enumerate(problems, start=1):
        for _ in range(count):
            api.evidence(problem_id)
    first = api.ok(api.get("review", params={"limit": 2}))
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    # The same reason first, then the most new evidence.
    assert [item["problem_id"] for item in first["items"]] == [problems[2], problems[1]]
    rest = api.ok(api.get("review", params={"limit": 2, "offset": 2}))
    assert [item["problem_id"] for item in rest["items"]] == [problems[0]]
    beyond = api.ok(api.get("review", params={"limit": 2, "offset": 10}))
    assert (beyond["items"], beyond["total"]) == ([], 3)
    assert api.get("review", params={"limit": 0}).status_code == 422

"""The review queue's counts are kept at write time: after every kind of write that moves them,
each problem's stored summary equals a recount of its rows (and its card's figures), and the
API shows the same."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.decisions.models import Decision
from app.enums import Signal, Stance, TestStatus
from app.experiments.models import AssumptionTest
from app.research.models import EvidenceItem, Interview, Participant
from app.scorecards.models import ProblemScorecard, ProblemSummary
from tests.decisions.test_api import decide
from tests.factories import Api

TODAY = datetime.now(UTC).date()


def recount(session: Session, problem_id: int) -> dict[str, Any]:
    """What changed since the problem's last decision, counted from its rows."""
    decisions = session.exec(
        select(Decision)
        .where(Decision.problem_id == problem_id)
        .order_by(col(Decision.created_at), col(Decision.id))
    ).all()
    since = decisions[-1].created_at if decisions else None
    signals: Counter[str] = Counter()
    for item in session.exec(
        select(EvidenceItem).where(
            EvidenceItem.problem_id == problem_id, col(EvidenceItem.deleted_at).is_(None)
        )
    ).all():
        interview = session.get(Interview, item.interview_id) if item.interview_id else None
        person = session.get(Participant, item.participant_id) if item.participant_id else None
        if (interview and interview.deleted_at) or (person and person.deleted_at):
            continue  # evidence of a deleted interview or participant no longer counts
        if since is None or item.created_at > since:
            signals[Signal(item.signal).value] += 1
    tests = [
        t
        for t in session.exec(
            select(AssumptionTest).where(
                AssumptionTest.problem_id == problem_id,
                col(AssumptionTest.deleted_at).is_(None),
                AssumptionTest.status == TestStatus.concluded,
            )
        ).all()
        if since is None or (t.concluded_at is not None and t.concluded_at > since)
    ]
    supporting = sum(n for s, n in signals.items() if Signal(s).stance == Stance.supports)
    return {
        "last_decision_id": decisions[-1].id if decisions else None,
        "new_evidence": sum(signals.values()),
        "supporting": supporting,
        "contradicting": sum(signals.values()) - supporting,
        "behavioural": sum(n for s, n in signals.items() if Signal(s).is_behavioural),
        "by_signal": dict(signals),
        "new_tests": len(tests),
    }


def stored(session: Session, problem_id: int) -> dict[str, Any]:
    row = session.get(ProblemSummary, problem_id)
    assert row is not None, f"problem {problem_id} has no summary"
    card = session.get(ProblemScorecard, problem_id)
    assert card is not None
    figures = ("pain", "reach", "feasibility", "confidence", "recommendation", "flags")
    assert row.model_dump(include=set(figures)) == card.model_dump(include=set(figures))
    return row.model_dump(include=set(recount(session, problem_id)))


def assert_kept(engine: Engine, api: Api, *problem_ids: int) -> dict[int, dict[str, Any]]:
    """Each problem's stored counts equal a recount; returns the queue's items by problem."""
    body = api.ok(api.get("review", params={"limit": 100}))
    with Session(engine) as session:
        for problem_id in problem_ids:
            assert stored(session, problem_id) == recount(session, problem_id)
    return {item["problem_id"]: item for item in body["items"]}


def new_evidence(queue: dict[int, dict[str, Any]], problem_id: int) -> int:
    item = queue.get(problem_id)
    return item["new_evidence"]["total"] if item else 0


def test_evidence_added_deleted_restored_and_moved_moves_the_counts(
    api: Api, engine: Engine
) -> None:
    first, second = api.problem(title="First"), api.problem(title="Second")
    decide(api, second["id"], "park")
    kept = api.evidence(first["id"], signal="workaround")
    moving = api.evidence(first["id"], signal="no_action", quote="We live with it.")
    queue = assert_kept(engine, api, first["id"], second["id"])
    assert queue[first["id"]]["new_evidence"] == {
        "total": 2,
        "supporting": 1,
        "contradicting": 1,
        "behavioural": 1,
        "by_signal": {"workaround": 1, "no_action": 1},
    }
    assert second["id"] not in queue

    api.ok(api.patch(f"evidence/{moving['id']}", json={"version": 1, "problem_id": second["id"]}))
    queue = assert_kept(engine, api, first["id"], second["id"])
    assert new_evidence(queue, first["id"]) == 1
    assert queue[second["id"]]["new_evidence"]["by_signal"] == {"no_action": 1}

    api.ok(api.delete(f"evidence/{kept['id']}"))
    queue = assert_kept(engine, api, first["id"], second["id"])
    assert first["id"] not in queue

    api.ok(api.post(f"evidence/{kept['id']}/restore"))
    queue = assert_kept(engine, api, first["id"], second["id"])
    assert new_evidence(queue, first["id"]) == 1


def test_an_interview_and_its_highlights_count_until_the_interview_is_deleted(
    api: Api, engine: Engine
) -> None:
    problem = api.problem()
    decide(api, problem["id"], "park")
    person = api.participant()
    interview = api.interview(
        participant_id=person["id"],
        problem_ids=[problem["id"]],
        highlights=[
            {"problem_id": problem["id"], "quote": "We pay an agency.", "signal": "paid"},
            {"problem_id": problem["id"], "quote": "Came up.", "signal": "mentioned"},
        ],
    )
    queue = assert_kept(engine, api, problem["id"])
    assert queue[problem["id"]]["new_evidence"]["by_signal"] == {"paid": 1, "mentioned": 1}

    api.ok(api.delete(f"interviews/{interview['id']}"))
    queue = assert_kept(engine, api, problem["id"])
    assert problem["id"] not in queue


def test_tests_count_once_concluded(api: Api, engine: Engine) -> None:
    problem = api.problem()
    decide(api, problem["id"], "park")
    assumption = api.assumption(problem["id"], statement="Finance will pay")
    test = api.test_card(assumption["id"])
    assert problem["id"] not in assert_kept(engine, api, problem["id"])

    body = {"version": 1, "status": "concluded", "observed_value": 0.95, "learning": "Paid."}
    api.ok(api.patch(f"tests/{test['id']}", json=body))
    queue = assert_kept(engine, api, problem["id"])
    [concluded] = queue[problem["id"]]["new_tests"]
    assert (concluded["assumption"], concluded["outcome"]) == ("Finance will pay", "validated")

    running = api.test_card(assumption["id"], status="running", operator="yes", threshold=None)
    assert len(assert_kept(engine, api, problem["id"])[problem["id"]]["new_tests"]) == 1
    body = {"version": 1, "status": "concluded", "observed_value": 0, "learning": "No."}
    api.ok(api.patch(f"tests/{running['id']}", json=body))
    queue = assert_kept(engine, api, problem["id"])
    assert queue[problem["id"]]["reasons"][0]["message"].startswith("2 tests concluded")


def test_a_new_decision_counts_from_itself(api: Api, engine: Engine) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    api.evidence(problem["id"], signal="searching")
    queue = assert_kept(engine, api, problem["id"])
    assert new_evidence(queue, problem["id"]) == 2
    assert queue[problem["id"]]["last_decision"] is None

    decision = decide(api, problem["id"], "pursue")
    assert problem["id"] not in assert_kept(engine, api, problem["id"])

    api.evidence(problem["id"], signal="switched")
    queue = assert_kept(engine, api, problem["id"])
    assert queue[problem["id"]]["new_evidence"]["by_signal"] == {"switched": 1}
    assert queue[problem["id"]]["last_decision"]["id"] == decision["id"]


def test_review_dates_moved_after_the_decision_are_kept(api: Api, engine: Engine) -> None:
    later = (TODAY + timedelta(days=30)).isoformat()
    problem = api.problem(review_by=later)
    assert problem["id"] not in assert_kept(engine, api, problem["id"])

    decision = decide(api, problem["id"], "park", review_on=later)
    api.ok(
        api.patch(
            f"decisions/{decision['id']}", json={"version": 1, "review_on": TODAY.isoformat()}
        )
    )
    queue = assert_kept(engine, api, problem["id"])
    assert queue[problem["id"]]["review_due_on"] == TODAY.isoformat()

    never = api.problem(review_by=later)
    api.ok(
        api.patch(f"problems/{never['id']}", json={"version": 1, "review_by": TODAY.isoformat()})
    )
    queue = assert_kept(engine, api, never["id"])
    assert [r["code"] for r in queue[never["id"]]["reasons"]] == ["review_due"]


def test_archiving_a_problem_takes_it_off_the_queue(api: Api, engine: Engine) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    assert problem["id"] in assert_kept(engine, api, problem["id"])
    api.ok(api.patch(f"problems/{problem['id']}", json={"version": 1, "status": "archived"}))
    assert problem["id"] not in assert_kept(engine, api, problem["id"])


def test_problems_scored_before_review_rows_were_kept_get_one_on_first_read(
    api: Api, engine: Engine
) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    with Session(engine) as session:
        row = session.get(ProblemSummary, problem["id"])
        session.delete(row)
        session.commit()
    queue = assert_kept(engine, api, problem["id"])
    assert new_evidence(queue, problem["id"]) == 1

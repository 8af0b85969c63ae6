"""The review queue: the problems leadership should look at again, and what changed for each
since its last decision."""

from collections import defaultdict
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from app.decisions import repository
from app.decisions.memo import criterion_text, num
from app.decisions.service import frozen_scorecard
from app.enums import (
    CriterionOperator,
    DecisionKind,
    ProblemStatus,
    Recommendation,
    Signal,
    TestOutcome,
)
from app.scorecards.models import ProblemScorecard
from app.scorecards.service import store_missing_cards
from app.workspaces.deps import WorkspaceContext


class ReviewReasonCode(StrEnum):
    recommendation_changed = "recommendation_changed"
    review_due = "review_due"
    tests_concluded = "tests_concluded"
    new_evidence = "new_evidence"
    never_decided = "never_decided"


# The order the queue is sorted in: a changed call matters most.
REASON_ORDER = list(ReviewReasonCode)


class ReviewReason(BaseModel):
    code: ReviewReasonCode
    message: str


class ScoreDelta(BaseModel):
    """A score at the last decision (frozen) and now; `change` is now minus then."""

    then: float | None
    now: float
    change: float | None


class LastDecision(BaseModel):
    id: int
    kind: DecisionKind
    decided_at: datetime
    review_on: date | None
    recommendation: Recommendation | None


class NewEvidence(BaseModel):
    """Live evidence logged since the last decision (all of it when never decided)."""

    total: int = 0
    supporting: int = 0
    contradicting: int = 0
    behavioural: int = 0  # paid, switched, workaround, searching
    by_signal: dict[str, int] = Field(default_factory=dict)


class ConcludedTest(BaseModel):
    test_id: int
    assumption_id: int
    assumption: str
    critical: bool
    criterion: str
    observed_value: float | None
    outcome: TestOutcome | None
    concluded_at: datetime | None


class ReviewItem(BaseModel):
    problem_id: int
    title: str
    status: ProblemStatus
    owner_id: int | None
    last_decision: LastDecision | None
    recommendation_then: Recommendation | None
    recommendation_now: Recommendation
    confidence_then: str | None
    confidence_now: str
    pain: ScoreDelta
    reach: ScoreDelta
    feasibility: ScoreDelta
    new_evidence: NewEvidence
    new_tests: list[ConcludedTest]
    review_due_on: date | None = Field(
        description="The review date that has passed: the decision's, else the problem's."
    )
    reasons: list[ReviewReason]


class ReviewQueue(BaseModel):
    today: date
    items: list[ReviewItem]
    total: int


def _current_cards(session: Session, ctx: WorkspaceContext, problem_ids: list[int]) -> Any:
    """The stored headline figures of each problem, computing those never stored."""

    def load() -> dict[int, Any]:
        rows = session.exec(
            select(  # type: ignore[call-overload]
                ProblemScorecard.problem_id,
                ProblemScorecard.pain,
                ProblemScorecard.reach,
                ProblemScorecard.feasibility,
                ProblemScorecard.confidence,
                ProblemScorecard.recommendation,
            ).where(
                ProblemScorecard.workspace_id == ctx.id,
                col(ProblemScorecard.problem_id).in_(problem_ids),
            )
        ).all()
        return {row[0]: row for row in rows}

    store_missing_cards(session=session, workspace=ctx.workspace, problem_ids=problem_ids)
    return load()


def _delta(then: float | None, now: float) -> ScoreDelta:
    change = None if then is None else round(now - then, 2) + 0.0
    return ScoreDelta(then=then, now=now, change=change)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def review_queue(*, session: Session, ctx: WorkspaceContext, today: date) -> ReviewQueue:
    """Problems whose recommendation changed, whose review date passed, or that gained evidence
    since their last decision (or were never decided and have evidence), with what changed."""
    problems = repository.problems_under_review(session, ctx)
    ids = [p.id or 0 for p in problems]
    if not ids:
        return ReviewQueue(today=today, items=[], total=0)
    cards = _current_cards(session, ctx, ids)
    decisions = repository.latest_decisions(session, ctx, ids)
    evidence: dict[int, NewEvidence] = defaultdict(NewEvidence)
    for problem_id, signal_value, count in repository.evidence_since_decision(session, ctx, ids):
        signal = Signal(signal_value)
        counts = evidence[problem_id]
        counts.total += count
        counts.by_signal[signal.value] = counts.by_signal.get(signal.value, 0) + count
        if signal.stance.value == "supports":
            counts.supporting += count
        else:
            counts.contradicting += count
        if signal.is_behavioural:
            counts.behavioural += count
    tests: dict[int, list[ConcludedTest]] = defaultdict(list)
    for test, assumption in repository.tests_concluded_since_decision(session, ctx, ids):
        tests[test.problem_id].append(
            ConcludedTest(
                test_id=test.id or 0,
                assumption_id=assumption.id or 0,
                assumption=assumption.statement,
                critical=assumption.critical,
                criterion=criterion_text(CriterionOperator(test.operator).value, test.threshold),
                observed_value=test.observed_value,
                outcome=TestOutcome(test.outcome) if test.outcome else None,
                concluded_at=test.concluded_at,
            )
        )

    items = []
    for problem in problems:
        pid = problem.id or 0
        _, pain, reach, feasibility, confidence, recommendation = cards[pid]
        decision = decisions.get(pid)
        frozen = frozen_scorecard(decision) if decision is not None else None
        new_evidence = evidence.get(pid, NewEvidence())
        new_tests = tests.get(pid, [])
        reasons: list[ReviewReason] = []
        now_rec = Recommendation(recommendation)
        then_rec = (
            Recommendation(decision.recommendation)
            if decision and decision.recommendation
            else None
        )

        if decision is None:
            if new_evidence.total or new_tests:
                reasons.append(
                    ReviewReason(
                        code=ReviewReasonCode.never_decided,
                        message=f"no decision yet; the scorecard recommends {now_rec.value}",
                    )
                )
        elif then_rec is not None and then_rec != now_rec:
            reasons.append(
                ReviewReason(
                    code=ReviewReasonCode.recommendation_changed,
                    message=f"the recommendation moved from {then_rec.value} to {now_rec.value}",
                )
            )

        due_on = None
        if decision is not None and decision.review_on is not None:
            if decision.review_on <= today:
                due_on = decision.review_on
        elif problem.review_by is not None and problem.review_by <= today:
            # A decision taken on or after the review-by date was that review.
            decided_on = decision.created_at.date() if decision is not None else None
            if decided_on is None or decided_on < problem.review_by:
                due_on = problem.review_by
        if due_on is not None:
            reasons.append(
                ReviewReason(
                    code=ReviewReasonCode.review_due,
                    message=f"the review date {due_on.isoformat()} has passed",
                )
            )

        since = "since the last decision" if decision is not None else "so far"
        if new_tests:
            outcomes = ", ".join(
                f"'{t.assumption}' {t.outcome.value if t.outcome else 'concluded'}"
                for t in new_tests
            )
            reasons.append(
                ReviewReason(
                    code=ReviewReasonCode.tests_concluded,
                    message=f"{_plural(len(new_tests), 'test')} concluded {since}: {outcomes}",
                )
            )
        if new_evidence.total:
            reasons.append(
                ReviewReason(
                    code=ReviewReasonCode.new_evidence,
                    message=(
                        f"{_plural(new_evidence.total, 'evidence item')} {since} "
                        f"({new_evidence.supporting} supporting, "
                        f"{new_evidence.contradicting} contradicting)"
                    ),
                )
            )
        if not reasons:
            continue
        reasons.sort(key=lambda r: REASON_ORDER.index(r.code))
        items.append(
            ReviewItem(
                problem_id=pid,
                title=problem.title,
                status=ProblemStatus(problem.status),
                owner_id=problem.owner_id,
                last_decision=(
                    LastDecision(
                        id=decision.id or 0,
                        kind=DecisionKind(decision.kind),
                        decided_at=decision.created_at,
                        review_on=decision.review_on,
                        recommendation=then_rec,
                    )
                    if decision is not None
                    else None
                ),
                recommendation_then=then_rec,
                recommendation_now=now_rec,
                confidence_then=frozen.confidence.level.value if frozen else None,
                confidence_now=confidence,
                pain=_delta(frozen.pain.value if frozen else None, pain),
                reach=_delta(frozen.reach.value if frozen else None, reach),
                feasibility=_delta(frozen.feasibility.value if frozen else None, feasibility),
                new_evidence=new_evidence,
                new_tests=new_tests,
                review_due_on=due_on,
                reasons=reasons,
            )
        )
    items.sort(
        key=lambda item: (
            REASON_ORDER.index(item.reasons[0].code),
            -(item.new_evidence.total + len(item.new_tests)),
            item.problem_id,
        )
    )
    return ReviewQueue(today=today, items=items, total=len(items))


def describe_delta(name: str, delta: ScoreDelta) -> str:
    """A score's change in words, e.g. 'pain 48 -> 62 (+14)'."""
    if delta.then is None or delta.change is None:
        return f"{name} {num(delta.now)}"
    sign = "+" if delta.change >= 0 else ""
    return f"{name} {num(delta.then)} -> {num(delta.now)} ({sign}{num(delta.change)})"

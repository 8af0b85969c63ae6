"""The review queue: the problems leadership should look at again, and what changed for each
since its last decision."""

from collections import defaultdict
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.decisions import repository
from app.decisions.memo import criterion_text, num
from app.decisions.models import Decision
from app.decisions.service import frozen_scorecard
from app.enums import (
    CriterionOperator,
    DecisionKind,
    ProblemStatus,
    Recommendation,
    TestOutcome,
)
from app.kit.rows import Page, rows_by_id
from app.scorecards.models import ProblemSummary
from app.scorecards.service import store_missing
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
    """One page of the queue; `total` counts every problem in it."""

    today: date
    items: list[ReviewItem]
    total: int
    limit: int
    offset: int


def _delta(then: float | None, now: float) -> ScoreDelta:
    change = None if then is None else round(now - then, 2) + 0.0
    return ScoreDelta(then=then, now=now, change=change)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _reasons(
    review: ProblemSummary,
    then_rec: Recommendation | None,
    now_rec: Recommendation,
    new_tests: list[ConcludedTest],
    due_on: date | None,
) -> list[ReviewReason]:
    """Why a problem is in the queue, the most pressing first."""
    decided = review.last_decision_id is not None
    reasons: list[ReviewReason] = []
    if not decided:
        if review.new_evidence or new_tests:
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
    if due_on is not None:
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.review_due,
                message=f"the review date {due_on.isoformat()} has passed",
            )
        )
    since = "since the last decision" if decided else "so far"
    if new_tests:
        outcomes = ", ".join(
            f"'{t.assumption}' {t.outcome.value if t.outcome else 'concluded'}" for t in new_tests
        )
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.tests_concluded,
                message=f"{_plural(len(new_tests), 'test')} concluded {since}: {outcomes}",
            )
        )
    if review.new_evidence:
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.new_evidence,
                message=(
                    f"{_plural(review.new_evidence, 'evidence item')} {since} "
                    f"({review.supporting} supporting, {review.contradicting} contradicting)"
                ),
            )
        )
    reasons.sort(key=lambda r: REASON_ORDER.index(r.code))
    return reasons


def review_queue(
    *, session: Session, ctx: WorkspaceContext, today: date, page: Page
) -> ReviewQueue:
    """One page of the problems whose recommendation changed, whose review date passed, or that
    gained evidence or test results since their last decision (or were never decided and have
    some), with what changed. The counts are kept in each problem's summary at every write, so
    a page costs the same however large the workspace."""
    store_missing(session=session, workspace=ctx.workspace)
    found, total = repository.review_page(session, ctx, today=today, page=page)
    decisions = rows_by_id(
        session, Decision, ctx, [r.last_decision_id for r, _ in found if r.last_decision_id]
    )
    tests: dict[int, list[ConcludedTest]] = defaultdict(list)
    since = {review.problem_id: review.decided_at for review, _ in found if review.new_tests}
    for test, assumption in repository.tests_concluded_since(session, ctx, since):
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
    for review, problem in found:
        pid = review.problem_id
        pain, reach, feasibility = review.pain, review.reach, review.feasibility
        decision = decisions.get(review.last_decision_id or 0)
        frozen = frozen_scorecard(decision) if decision is not None else None
        now_rec = Recommendation(review.recommendation)
        then_rec = (
            Recommendation(decision.recommendation)
            if decision and decision.recommendation
            else None
        )
        due_on = review.due_on if review.due_on is not None and review.due_on <= today else None
        new_tests = tests.get(pid, [])
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
                confidence_now=review.confidence,
                pain=_delta(frozen.pain.value if frozen else None, pain),
                reach=_delta(frozen.reach.value if frozen else None, reach),
                feasibility=_delta(frozen.feasibility.value if frozen else None, feasibility),
                new_evidence=NewEvidence(
                    total=review.new_evidence,
                    supporting=review.supporting,
                    contradicting=review.contradicting,
                    behavioural=review.behavioural,
                    by_signal=review.by_signal,
                ),
                new_tests=new_tests,
                review_due_on=due_on,
                reasons=_reasons(review, then_rec, now_rec, new_tests, due_on),
            )
        )
    return ReviewQueue(today=today, items=items, total=total, limit=page.limit, offset=page.offset)


def describe_delta(name: str, delta: ScoreDelta) -> str:
    """A score's change in words, e.g. 'pain 48 -> 62 (+14)'."""
    if delta.then is None or delta.change is None:
        return f"{name} {num(delta.now)}"
    sign = "+" if delta.change >= 0 else ""
    return f"{name} {num(delta.then)} -> {num(delta.now)} ({sign}{num(delta.change)})"

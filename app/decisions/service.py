"""Decisions are append-only: each freezes the scorecard its deciders looked at, and what its
memo shows, so the record leadership keeps never shifts under it.

A wrong decision is superseded by a new one on the same problem, never edited or deleted; only
its review date can move. A halted problem keeps all its evidence, and its team can keep adding
to it; reopening it is a new decision (pursue or pivot).
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from app.db import utcnow
from app.decisions import repository
from app.decisions.memo import (
    MEMO_KEY,
    Memo,
    MemoContext,
    MemoDecision,
    MemoProblem,
    MemoQuote,
    MemoTest,
    criterion_text,
    is_against_evidence,
    strongest_quotes,
)
from app.decisions.models import Decision, DecisionCreate, DecisionRead, DecisionUpdate
from app.enums import (
    AssumptionCategory,
    CriterionOperator,
    DecisionKind,
    Frequency,
    ProblemStatus,
    Recommendation,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.errors import Conflict, InvalidInput
from app.kit.rows import add_row, ensure_in_workspace, get_row, update_row, where_equal
from app.problems.models import Problem
from app.scorecards.service import compute, current_scorecard
from app.scoring.scorecard import Scorecard
from app.validation import Id
from app.workspaces.deps import WorkspaceContext


class DecisionFilters(BaseModel):
    problem_id: Id | None = None
    kind: DecisionKind | None = None


def filter_decisions(
    stmt: SelectOfScalar[Decision], f: DecisionFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Decision]:
    return where_equal(stmt, Decision, f, ("problem_id", "kind"))


def earliest_today() -> date:
    """The earliest date it is anywhere now (UTC-12): an earlier date has passed everywhere."""
    # A decider west of UTC may still be on a date UTC has left behind.
    return (utcnow() - timedelta(hours=12)).date()


def _check_review_on(review_on: date | None) -> None:
    if review_on is not None and review_on < earliest_today():
        raise InvalidInput(
            f"review_on: {review_on.isoformat()} has already passed; choose today or a later "
            "date to review this decision.",
            details=[{"field": "review_on", "message": "cannot be in the past"}],
        )


def _check_against_reason(payload: DecisionCreate, recommendation: Recommendation) -> None:
    """Going against the evidence is allowed, and says why."""
    if is_against_evidence(payload.kind, recommendation) and not payload.against_reason.strip():
        raise InvalidInput(
            f"against_reason: the evidence recommends {recommendation.value}; say why you"
            f" decide to {payload.kind.value} anyway.",
            details=[{"field": "against_reason", "message": "required"}],
        )


def create_decision(
    *,
    session: Session,
    ctx: WorkspaceContext,
    payload: DecisionCreate,
    ask_why_against: bool = False,
) -> Decision:
    """Record a decision with the scorecard as it is now, and its memo, frozen into it.

    Every decision leaves the problem `decided`, except that halting or parking an archived
    problem leaves it archived; pursuing or pivoting reopens it. With `ask_why_against` (the
    decide form), a decision against the recommendation must say why; an API client is not
    asked, and the decision is flagged as going against the evidence all the same.
    """

    if not payload.rationale.strip():
        raise InvalidInput(
            "rationale: say why; a decision without its reasons cannot be reviewed later.",
            details=[{"field": "rationale", "message": "required"}],
        )
    _check_review_on(payload.review_on)
    problem = ensure_in_workspace(session, Problem, ctx, payload.problem_id, "problem_id")
    assert problem is not None
    session.flush()
    scorecard = compute(session=session, workspace=ctx.workspace, problem=problem)
    if ask_why_against:
        _check_against_reason(payload, scorecard.recommendation.value)
    frozen = scorecard.model_dump(mode="json")
    decision = Decision.model_validate(
        payload.model_dump()
        | {
            "decided_by": ctx.user_id,
            "recommendation": scorecard.recommendation.value.value,
            "scorecard": frozen,
        },
        update={"workspace_id": ctx.id},
    )
    add_row(session, ctx, decision)
    kind = DecisionKind(decision.kind)
    reopens = kind in (DecisionKind.pursue, DecisionKind.pivot)
    if (problem.status != ProblemStatus.archived or reopens) and (
        problem.status != ProblemStatus.decided
    ):
        # A change of the problem like any other: a new version (so an edit made against the
        # old one is refused) and an audit event.
        update_row(
            session,
            ctx,
            problem,
            {"status": ProblemStatus.decided},
            version=problem.version,
            current=lambda: None,
        )
    # The memo of this decision must read the same forever: keep what it shows now.
    context = memo_context(session=session, ctx=ctx, problem=problem)
    decision.scorecard = frozen | {MEMO_KEY: context.model_dump(mode="json")}
    session.add(decision)
    session.flush()
    return decision


def update_decision(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Decision,
    payload: DecisionUpdate,
    current: Callable[[], Any],
) -> Decision:
    """Move the review date of a decision; nothing else of it can change."""
    fixed = sorted(payload.model_extra or {})
    if fixed:
        raise Conflict(
            f"Decisions are append-only: {', '.join(fixed)} cannot change. To change the call, "
            "record a new decision on the problem; it supersedes this one.",
            code="decision_append_only",
            details={"fields": fixed},
        )
    changes = payload.model_dump(exclude_unset=True, exclude={"version", *fixed})
    if "review_on" in changes and changes["review_on"] != row.review_on:
        _check_review_on(changes["review_on"])
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def frozen_scorecard(decision: Decision) -> Scorecard | None:
    """The scorecard a decision froze, without the memo context kept beside it."""
    if not decision.scorecard:
        return None
    return Scorecard.model_validate({k: v for k, v in decision.scorecard.items() if k != MEMO_KEY})


def decision_reads(
    session: Session, ctx: WorkspaceContext, rows: Sequence[Decision]
) -> list[DecisionRead]:
    """Decisions as the API shows them: the frozen scorecard, whether they went against the
    evidence, and which later decision superseded them."""
    problem_ids = sorted({row.problem_id for row in rows})
    by_problem: dict[int, list[tuple[datetime, int]]] = {}
    for problem_id, decision_id, at in repository.decision_times(session, ctx, problem_ids):
        by_problem.setdefault(problem_id, []).append((at, decision_id))
    reads = []
    for row in rows:
        history = sorted(by_problem.get(row.problem_id, []))
        later = [d for at, d in history if (at, d) > (row.created_at, row.id or 0)]
        scorecard = (
            {k: v for k, v in row.scorecard.items() if k != MEMO_KEY} if row.scorecard else None
        )
        reads.append(
            DecisionRead.model_validate(
                row.model_dump()
                | {
                    "scorecard": scorecard,
                    "against_evidence": is_against_evidence(
                        DecisionKind(row.kind),
                        Recommendation(row.recommendation) if row.recommendation else None,
                    ),
                    "superseded_by_id": later[0] if later else None,
                }
            )
        )
    return reads


# ---- the decision memo -------------------------------------------------------------------------


def memo_context(
    *,
    session: Session,
    ctx: WorkspaceContext,
    problem: Problem,
    until: datetime | None = None,
) -> MemoContext:
    """What a memo shows beside the scorecard, read now (rows created after `until` left out)."""

    def existed(at: datetime) -> bool:
        return until is None or at <= until

    quotes = [
        MemoQuote(
            evidence_id=item.id or 0,
            quote=item.quote,
            stance=Stance(item.stance),
            signal=Signal(item.signal),
            severity=item.severity,
            frequency=Frequency(item.frequency) if item.frequency else None,
            participant_id=item.participant_id,
            participant=participant.name if participant else None,
            segment=segment.name if segment else None,
            seen_on=interview.occurred_on if interview else item.created_at.date(),
        )
        for item, participant, segment, interview in repository.evidence_with_sources(
            session, ctx, problem.id or 0
        )
        if existed(item.created_at)
    ]
    tests = [
        MemoTest(
            test_id=test.id or 0,
            assumption_id=assumption.id or 0,
            assumption=assumption.statement,
            category=AssumptionCategory(assumption.category),
            critical=assumption.critical,
            method=TestMethod(test.method),
            metric=test.metric,
            criterion=criterion_text(CriterionOperator(test.operator).value, test.threshold),
            criterion_fixed_at=test.criterion_fixed_at,
            status=TestStatus(test.status),
            observed_value=test.observed_value,
            outcome=TestOutcome(test.outcome) if test.outcome else None,
            learning=test.learning,
            inconclusive_reason=test.inconclusive_reason,
            concluded_at=test.concluded_at,
        )
        for test, assumption in repository.tests_with_assumptions(session, ctx, problem.id or 0)
        if existed(test.created_at)
    ]
    decisions = [
        d for d in repository.decisions_of(session, ctx, problem.id or 0) if existed(d.created_at)
    ]
    names = repository.user_names(session, [problem.owner_id, *(d.decided_by for d in decisions)])
    return MemoContext(
        workspace=ctx.workspace.name,
        problem=MemoProblem(
            id=problem.id or 0,
            title=problem.title,
            statement=problem.statement,
            status=ProblemStatus(problem.status),
            owner=names.get(problem.owner_id or 0, ""),
            review_by=problem.review_by,
        ),
        supporting=strongest_quotes(quotes, Stance.supports),
        contradicting=strongest_quotes(quotes, Stance.contradicts),
        tests=tests,
        decisions=[
            MemoDecision(
                decision_id=d.id or 0,
                kind=DecisionKind(d.kind),
                decided_at=d.created_at,
                decided_by=names.get(d.decided_by or 0, ""),
                rationale=d.rationale,
                dissent=d.dissent,
                customer_advocate_notes=d.customer_advocate_notes,
                against_reason=d.against_reason,
                review_on=d.review_on,
                recommendation=Recommendation(d.recommendation) if d.recommendation else None,
                against_evidence=is_against_evidence(
                    DecisionKind(d.kind),
                    Recommendation(d.recommendation) if d.recommendation else None,
                ),
            )
            for d in decisions
        ],
    )


def problem_memo(*, session: Session, ctx: WorkspaceContext, problem: Problem) -> Memo:
    """The memo of a problem as it stands now."""

    return Memo(
        context=memo_context(session=session, ctx=ctx, problem=problem),
        scorecard=current_scorecard(session=session, ctx=ctx, problem=problem),
    )


def decision_memo(*, session: Session, ctx: WorkspaceContext, decision: Decision) -> Memo:
    """The memo of a past decision, rebuilt from what it froze."""

    scorecard = frozen_scorecard(decision)
    raw = (decision.scorecard or {}).get(MEMO_KEY)
    if scorecard is not None and raw is not None:
        context = MemoContext.model_validate(raw)
    else:
        # Decisions recorded before memos were frozen: the best reconstruction we have.
        problem = get_row(session, Problem, ctx, decision.problem_id, include_deleted=True)
        context = memo_context(session=session, ctx=ctx, problem=problem, until=decision.created_at)
        if scorecard is None:
            scorecard = compute(
                session=session, workspace=ctx.workspace, problem=problem, as_of=decision.created_at
            )
    return Memo(context=context, scorecard=scorecard, decision_id=decision.id)

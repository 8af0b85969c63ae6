"""Decisions are append-only: each freezes the scorecard its deciders looked at."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from app.decisions.models import Decision, DecisionCreate, DecisionUpdate
from app.enums import DecisionKind, ProblemStatus
from app.problems.models import Problem
from app.rows import add_row, ensure_in_workspace, update_row
from app.workspaces.deps import WorkspaceContext


class DecisionFilters(BaseModel):
    problem_id: int | None = None
    kind: DecisionKind | None = None


def filter_decisions(
    stmt: SelectOfScalar[Decision], f: DecisionFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Decision]:
    if f.problem_id is not None:
        stmt = stmt.where(Decision.problem_id == f.problem_id)
    if f.kind is not None:
        stmt = stmt.where(Decision.kind == f.kind)
    return stmt


def create_decision(
    *, session: Session, ctx: WorkspaceContext, payload: DecisionCreate
) -> Decision:
    """Record a decision with the scorecard as it is now, frozen into it."""
    from app.scoring.store import current_scorecard

    problem = ensure_in_workspace(session, Problem, ctx, payload.problem_id, "problem_id")
    assert problem is not None
    scorecard = current_scorecard(session=session, ctx=ctx, problem=problem)
    decision = Decision.model_validate(
        payload.model_dump()
        | {
            "decided_by": ctx.user_id,
            "recommendation": scorecard.recommendation.value,
            "scorecard": scorecard.model_dump(mode="json"),
        },
        update={"workspace_id": ctx.id},
    )
    add_row(session, ctx, decision)
    if problem.status in (ProblemStatus.exploring, ProblemStatus.validating):
        problem.status = ProblemStatus.decided
        session.add(problem)
    return decision


def update_decision(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Decision,
    payload: DecisionUpdate,
    current: Callable[[], Any],
) -> Decision:
    """Only the review date of a decision can move; a wrong decision is superseded by a new one."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    return update_row(session, ctx, row, changes, version=payload.version, current=current)

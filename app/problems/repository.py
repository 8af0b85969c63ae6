"""Queries of the problems domain, always scoped by workspace."""

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.enums import ProblemStatus
from app.kit.rows import scoped
from app.problems.models import KillCriteriaChange, Problem, ProblemTag
from app.validation import Id
from app.workspaces.deps import WorkspaceContext


class ProblemFilters(BaseModel):
    status: ProblemStatus | None = None
    owner_id: Id | None = None
    tag: str | None = None
    q: str | None = None


def filter_problems(
    stmt: SelectOfScalar[Problem], f: ProblemFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Problem]:
    if f.status is not None:
        stmt = stmt.where(Problem.status == f.status)
    if f.owner_id is not None:
        stmt = stmt.where(Problem.owner_id == f.owner_id)
    if f.tag:
        tagged = select(ProblemTag.problem_id).where(ProblemTag.tag == f.tag.strip().lower())
        stmt = stmt.where(col(Problem.id).in_(tagged))
    if f.q:
        stmt = stmt.where(col(Problem.title).ilike(f"%{f.q.strip()}%"))
    return stmt


def tags_of(session: Session, problem_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    if not problem_ids:
        return result
    rows = session.exec(select(ProblemTag).where(col(ProblemTag.problem_id).in_(problem_ids))).all()
    for row in sorted(rows, key=lambda r: r.tag):
        result[row.problem_id].append(row.tag)
    return result


def kill_criteria_history(
    session: Session, ctx: WorkspaceContext, problem_id: int
) -> list[KillCriteriaChange]:
    return list(
        session.exec(
            select(KillCriteriaChange)
            .where(
                KillCriteriaChange.workspace_id == ctx.id,
                KillCriteriaChange.problem_id == problem_id,
            )
            .order_by(col(KillCriteriaChange.changed_at), col(KillCriteriaChange.id))
        ).all()
    )


def problems_by_title(session: Session, ctx: WorkspaceContext) -> list[Problem]:
    """The workspace's live problems, by title (for pickers and filters)."""
    return list(
        session.exec(scoped(Problem, ctx).order_by(col(Problem.title), col(Problem.id))).all()
    )

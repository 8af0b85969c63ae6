"""Merging two problems that are the same problem: the kept one absorbs the other's coverage,
evidence, assumptions, tests, decisions and tags. Decisions keep their frozen scorecards and
memos as they were; only the problem they belong to changes."""

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.db import touch_problems
from app.decisions.models import Decision
from app.experiments.models import Assumption, AssumptionTest
from app.kit import merging
from app.kit.audit import AuditEvent
from app.kit.duplicates import Suggestion
from app.kit.merging import Link, duplicate_suggestions
from app.kit.rows import get_for_update, get_row
from app.problems.models import Problem, ProblemTag
from app.research.models import EvidenceItem, InterviewProblem
from app.workspaces.deps import WorkspaceContext

LINKS = (
    Link(
        "interviews covering it",
        InterviewProblem.__table__,  # type: ignore[attr-defined]
        "problem_id",
        key="interview_id",
        unique=True,
    ),
    Link("evidence items", EvidenceItem.__table__, "problem_id"),  # type: ignore[attr-defined]
    Link("assumptions", Assumption.__table__, "problem_id"),  # type: ignore[attr-defined]
    Link("tests", AssumptionTest.__table__, "problem_id"),  # type: ignore[attr-defined]
    Link("decisions", Decision.__table__, "problem_id"),  # type: ignore[attr-defined]
    Link("tags", ProblemTag.__table__, "problem_id", key="tag", unique=True),  # type: ignore[attr-defined]
)


class ProblemBrief(BaseModel):
    id: int
    title: str
    status: str


class ProblemMergePreview(BaseModel):
    keep: ProblemBrief
    absorb: ProblemBrief
    moves: dict[str, int] = Field(description="How many rows of each kind move to `keep`.")


class ProblemMergeReport(ProblemMergePreview):
    merge_id: int = Field(description="The merge's audit event: undo it with this id.")


def suggestions(session: Session, ctx: WorkspaceContext) -> list[Suggestion]:
    """Live problems whose titles look like the same problem's."""
    return duplicate_suggestions(session, Problem, Problem.title, workspace_id=ctx.id)


def _brief(problem: Problem) -> ProblemBrief:
    return ProblemBrief(id=problem.id or 0, title=problem.title, status=str(problem.status))


def preview_merge(
    session: Session, ctx: WorkspaceContext, *, keep_id: int, absorb_id: int
) -> ProblemMergePreview:
    """What merging `absorb_id` into `keep_id` would move."""
    keep = get_row(session, Problem, ctx, keep_id)
    absorb = get_row(session, Problem, ctx, absorb_id)
    return ProblemMergePreview(
        keep=_brief(keep), absorb=_brief(absorb), moves=merging.counts(session, LINKS, absorb_id)
    )


def merge(
    session: Session, ctx: WorkspaceContext, *, keep_id: int, absorb_id: int
) -> ProblemMergeReport:
    """Merge `absorb_id` into `keep_id`; the absorbed problem is soft-deleted (undo restores
    it and moves its rows back). Both scorecards are refreshed at commit."""
    # Locked (PostgreSQL) in id order, so two merges of the same pair cannot cross.
    for row_id in sorted((keep_id, absorb_id)):
        get_for_update(session, Problem, ctx, row_id)
    preview = preview_merge(session, ctx, keep_id=keep_id, absorb_id=absorb_id)
    keep = get_row(session, Problem, ctx, keep_id)
    absorb = get_row(session, Problem, ctx, absorb_id)
    event = merging.merge(session, ctx, LINKS, keep=keep, absorb=absorb)
    touch_problems(session, [keep_id, absorb_id])
    return ProblemMergeReport(**preview.model_dump(), merge_id=event.id or 0)


def undo_merge(session: Session, ctx: WorkspaceContext, event: AuditEvent) -> Problem:
    """Move back what a merge moved and restore the absorbed problem."""
    kept, absorbed = merging.undo(session, ctx, Problem, LINKS, event)
    touch_problems(session, [kept.id or 0, absorbed.id or 0])
    assert isinstance(absorbed, Problem)
    return absorbed

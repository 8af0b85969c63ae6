"""Rules of the problems domain: tags, owners and kill criteria kept with every change."""

from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session, col, delete

from app.errors import InvalidInput
from app.kit.rows import add_row, update_row
from app.problems import repository
from app.problems.models import (
    KillCriteria,
    KillCriteriaChange,
    Problem,
    ProblemCreate,
    ProblemRead,
    ProblemTag,
    ProblemUpdate,
)
from app.workspaces.deps import WorkspaceContext
from app.workspaces.service import ensure_member

KILL_FIELDS = {
    "pain": "kill_pain",
    "reach": "kill_reach",
    "feasibility": "kill_feasibility",
    "min_participants": "kill_min_participants",
}


def clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned = []
    for i, tag in enumerate(tags):
        tag = tag.strip().lower()
        if not tag or len(tag) > 64 or "," in tag:
            raise InvalidInput(
                f"tags.{i}: a tag is 1 to 64 characters, without commas.",
                details=[{"field": f"tags.{i}", "message": "1 to 64 characters, no commas"}],
            )
        cleaned.append(tag)
    return sorted(set(cleaned))


def _set_tags(session: Session, problem: Problem, tags: list[str]) -> None:
    session.exec(delete(ProblemTag).where(col(ProblemTag.problem_id) == problem.id))
    for tag in tags:
        session.add(ProblemTag(problem_id=problem.id or 0, tag=tag))
    session.flush()


def kill_criteria_of(problem: Problem) -> KillCriteria:
    return KillCriteria(**{name: getattr(problem, column) for name, column in KILL_FIELDS.items()})


def kill_criteria_record(problem: Problem) -> dict[str, Any]:
    """The problem's kill criteria and review-by date, as one change record keeps them."""
    review_by = problem.review_by.isoformat() if problem.review_by else None
    return kill_criteria_of(problem).model_dump() | {"review_by": review_by}


def _set_kill_criteria(problem: Problem, criteria: KillCriteria) -> None:
    for name, column in KILL_FIELDS.items():
        setattr(problem, column, getattr(criteria, name))


def _keep_kill_criteria_change(
    session: Session, ctx: WorkspaceContext, problem: Problem, before: dict[str, Any]
) -> None:
    """Keep a time-stamped record of who changed the kill criteria or review-by date."""
    after = kill_criteria_record(problem)
    if after == before:
        return
    session.add(
        KillCriteriaChange(
            workspace_id=ctx.id,
            problem_id=problem.id or 0,
            changed_by=ctx.user_id,
            before=before,
            after=after,
        )
    )
    session.flush()


def create_problem(*, session: Session, ctx: WorkspaceContext, payload: ProblemCreate) -> Problem:
    """Add a problem; its owner defaults to its author."""
    owner_id = payload.owner_id or ctx.user_id
    ensure_member(session=session, ctx=ctx, user_id=owner_id, field="owner_id")
    tags = clean_tags(payload.tags)
    problem = Problem.model_validate(
        payload.model_dump(exclude={"tags", "kill_criteria", "owner_id"}) | {"owner_id": owner_id},
        update={"workspace_id": ctx.id},
    )
    add_row(session, ctx, problem)
    _set_tags(session, problem, tags)
    unset = KillCriteria().model_dump() | {"review_by": None}
    if payload.kill_criteria is not None:
        _set_kill_criteria(problem, payload.kill_criteria)
    _keep_kill_criteria_change(session, ctx, problem, unset)
    return problem


def update_problem(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Problem,
    payload: ProblemUpdate,
    current: Callable[[], Any],
) -> Problem:
    """Edit a problem, its tags, kill criteria and review-by date (each change of those kept)."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "tags", "kill_criteria"})
    if changes.get("owner_id") is not None:
        ensure_member(session=session, ctx=ctx, user_id=changes["owner_id"], field="owner_id")
    for key in ("title", "status"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                f"{key}: cannot be empty.", details=[{"field": key, "message": "required"}]
            )
    tags = clean_tags(payload.tags) if payload.tags is not None else None
    kill_before = kill_criteria_record(row)
    row = update_row(session, ctx, row, changes, version=payload.version, current=current)
    if tags is not None:
        _set_tags(session, row, tags)
    if "kill_criteria" in payload.model_fields_set:
        _set_kill_criteria(row, payload.kill_criteria or KillCriteria())
    _keep_kill_criteria_change(session, ctx, row, kill_before)
    return row


def problem_reads(
    session: Session, ctx: WorkspaceContext, rows: Sequence[Problem]
) -> list[ProblemRead]:
    tags = repository.tags_of(session, [row.id for row in rows if row.id is not None])
    return [
        ProblemRead.model_validate(
            row.model_dump()
            | {"tags": tags.get(row.id or 0, []), "kill_criteria": kill_criteria_of(row)}
        )
        for row in rows
    ]

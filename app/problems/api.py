"""JSON routes of the problems domain."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col

from app.db import SessionDep
from app.kit.collections import CollectionSpec, collection_router
from app.kit.duplicates import Suggestion
from app.kit.merging import merge_event
from app.kit.rows import get_row
from app.problems import merging, repository, service
from app.problems.models import (
    KillCriteriaChangeRead,
    Problem,
    ProblemCreate,
    ProblemRead,
    ProblemUpdate,
)
from app.validation import Id
from app.workspaces.deps import WORKSPACE_ACCESS, ContributorDep, WorkspaceDep

problems = CollectionSpec(
    path="problems",
    model=Problem,
    read_schema=ProblemRead,
    create_schema=ProblemCreate,
    update_schema=ProblemUpdate,
    create=service.create_problem,
    update=service.update_problem,
    to_reads=service.problem_reads,
    filters=repository.ProblemFilters,
    apply_filters=repository.filter_problems,
    order_by=lambda: (col(Problem.updated_at).desc(), col(Problem.id).desc()),
)

router = collection_router(problems, WORKSPACE_ACCESS)


@router.get(
    "/{row_id}/kill-criteria",
    response_model=list[KillCriteriaChangeRead],
    summary="History of a problem's kill criteria",
)
def kill_criteria_history(ctx: WorkspaceDep, session: SessionDep, row_id: Id) -> Any:
    get_row(session, Problem, ctx, row_id, include_deleted=True)
    return repository.kill_criteria_history(session, ctx, row_id)


# ---- likely duplicates and merging ------------------------------------------------------------


class MergeRequest(BaseModel):
    absorb_id: Id = Field(description="The problem merged into this one, then deleted.")


duplicates_router = APIRouter(prefix="/workspaces/{ws}", tags=["problems"])


@duplicates_router.get(
    "/problem-duplicates",
    response_model=list[Suggestion],
    summary="Problems whose titles look like the same problem's",
)
def problem_duplicates(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return merging.suggestions(session, ctx)


@router.get(
    "/{row_id}/merge-preview",
    response_model=merging.ProblemMergePreview,
    summary="What merging another problem into this one would move",
)
def problem_merge_preview(
    ctx: WorkspaceDep, session: SessionDep, row_id: Id, absorb_id: Annotated[Id, Query()]
) -> Any:
    return merging.preview_merge(session, ctx, keep_id=row_id, absorb_id=absorb_id)


@router.post(
    "/{row_id}/merge",
    response_model=merging.ProblemMergeReport,
    summary="Merge another problem into this one (undoable)",
    description="Its coverage, evidence, assumptions, tests, decisions (with their frozen "
    "memos unchanged) and tags move here; the other problem is soft-deleted. "
    "`POST /problem-merges/{merge_id}/undo` moves them back.",
)
def merge_problems(
    ctx: ContributorDep, session: SessionDep, row_id: Id, payload: MergeRequest
) -> Any:
    return merging.merge(session, ctx, keep_id=row_id, absorb_id=payload.absorb_id)


@duplicates_router.post(
    "/problem-merges/{merge_id}/undo",
    response_model=ProblemRead,
    summary="Undo a merge of problems: the absorbed one comes back with its rows",
)
def undo_problem_merge(ctx: ContributorDep, session: SessionDep, merge_id: Id) -> Any:
    event = merge_event(session, ctx, Problem, merge_id)
    problem = merging.undo_merge(session, ctx, event)
    return service.problem_reads(session, ctx, [problem])[0]


routers = [router, duplicates_router]

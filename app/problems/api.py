"""JSON routes of the problems domain."""

from typing import Any

from sqlmodel import col

from app.db import SessionDep
from app.kit.collections import CollectionSpec, collection_router
from app.kit.rows import get_row
from app.problems import repository, service
from app.problems.models import (
    KillCriteriaChangeRead,
    Problem,
    ProblemCreate,
    ProblemRead,
    ProblemUpdate,
)
from app.validation import Id
from app.workspaces.deps import WORKSPACE_ACCESS, WorkspaceDep

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

"""JSON routes of assumptions and their tests."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlmodel import col

from app.db import SessionDep
from app.errors import error_response
from app.experiments import repository, service
from app.experiments.models import (
    Assumption,
    AssumptionCreate,
    AssumptionRead,
    AssumptionTest,
    AssumptionUpdate,
    CriticalAssumptionRead,
    TestCreate,
    TestRead,
    TestUpdate,
)
from app.kit.collections import CollectionSpec, collection_router
from app.kit.rows import get_for_update, get_row, restore
from app.problems.deps import ProblemDep
from app.validation import Id
from app.workspaces.deps import WORKSPACE_ACCESS, ContributorDep, WorkspaceDep

assumptions = CollectionSpec(
    path="assumptions",
    model=Assumption,
    read_schema=AssumptionRead,
    create_schema=AssumptionCreate,
    update_schema=AssumptionUpdate,
    create=service.create_assumption,
    update=service.update_assumption,
    filters=repository.AssumptionFilters,
    apply_filters=repository.filter_assumptions,
    order_by=lambda: (col(Assumption.id),),
    # Deleting is guarded (see below): tested assumptions and started tests stay visible.
    allow_delete=False,
)

tests = CollectionSpec(
    path="tests",
    model=AssumptionTest,
    read_schema=TestRead,
    create_schema=TestCreate,
    update_schema=TestUpdate,
    create=service.create_test,
    update=service.update_test,
    filters=repository.TestFilters,
    apply_filters=repository.filter_tests,
    order_by=lambda: (col(AssumptionTest.id),),
    summary_name="test",
    allow_delete=False,
)

guarded = APIRouter(prefix="/workspaces/{ws}")


def _guarded_delete_routes(
    spec: CollectionSpec[Any],
    delete: Callable[..., Any],
) -> None:
    """Soft delete and restore, through the domain's rules instead of the shared ones."""
    read = spec.read_schema

    def written(row: Any) -> Any:
        return read.model_validate(row, from_attributes=True)

    @guarded.delete(
        f"/{spec.path}/{{row_id}}",
        response_model=read,
        tags=[spec.path],
        summary=f"Delete a {spec.label} (soft)",
        responses={409: error_response("Started tests and what they tested stay visible.")},
    )
    def delete_row(ctx: ContributorDep, session: SessionDep, row_id: Id) -> Any:
        row = delete(session=session, ctx=ctx, row=get_for_update(session, spec.model, ctx, row_id))
        return written(row)

    @guarded.post(
        f"/{spec.path}/{{row_id}}/restore",
        response_model=read,
        tags=[spec.path],
        summary=f"Restore a deleted {spec.label}",
    )
    def restore_row(ctx: ContributorDep, session: SessionDep, row_id: Id) -> Any:
        row = get_row(session, spec.model, ctx, row_id, include_deleted=True)
        return written(restore(session, ctx, row))


_guarded_delete_routes(assumptions, service.delete_assumption)
_guarded_delete_routes(tests, service.delete_test)


@guarded.get(
    "/problems/{problem_id}/assumptions/critical",
    response_model=list[CriticalAssumptionRead],
    tags=["assumptions"],
    summary="A problem's critical assumptions and whether each is tested",
)
def critical_assumptions(ctx: WorkspaceDep, session: SessionDep, problem: ProblemDep) -> Any:
    return service.critical_assumptions(session=session, ctx=ctx, problem=problem)


routers = [
    collection_router(assumptions, WORKSPACE_ACCESS),
    collection_router(tests, WORKSPACE_ACCESS),
    guarded,
]

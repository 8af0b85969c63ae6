"""Queries of the experiments domain."""

from pydantic import BaseModel
from sqlmodel.sql.expression import SelectOfScalar

from app.enums import AssumptionCategory, TestStatus
from app.experiments.models import Assumption, AssumptionTest
from app.workspaces.deps import WorkspaceContext


class AssumptionFilters(BaseModel):
    problem_id: int | None = None
    category: AssumptionCategory | None = None
    critical: bool | None = None


class TestFilters(BaseModel):
    __test__ = False

    assumption_id: int | None = None
    problem_id: int | None = None
    status: TestStatus | None = None


def filter_assumptions(
    stmt: SelectOfScalar[Assumption], f: AssumptionFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Assumption]:
    for name in ("problem_id", "category", "critical"):
        value = getattr(f, name)
        if value is not None:
            stmt = stmt.where(getattr(Assumption, name) == value)
    return stmt


def filter_tests(
    stmt: SelectOfScalar[AssumptionTest], f: TestFilters, ctx: WorkspaceContext
) -> SelectOfScalar[AssumptionTest]:
    for name in ("assumption_id", "problem_id", "status"):
        value = getattr(f, name)
        if value is not None:
            stmt = stmt.where(getattr(AssumptionTest, name) == value)
    return stmt

"""Queries of the experiments domain."""

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.enums import AssumptionCategory, TestStatus
from app.experiments.models import Assumption, AssumptionTest
from app.kit.rows import Page, paginate, scoped, where_equal
from app.validation import Id
from app.workspaces.deps import WorkspaceContext


class AssumptionFilters(BaseModel):
    problem_id: Id | None = None
    category: AssumptionCategory | None = None
    critical: bool | None = None


class TestFilters(BaseModel):
    __test__ = False

    assumption_id: Id | None = None
    problem_id: Id | None = None
    status: TestStatus | None = None


def filter_assumptions(
    stmt: SelectOfScalar[Assumption], f: AssumptionFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Assumption]:
    return where_equal(stmt, Assumption, f, ("problem_id", "category", "critical"))


def filter_tests(
    stmt: SelectOfScalar[AssumptionTest], f: TestFilters, ctx: WorkspaceContext
) -> SelectOfScalar[AssumptionTest]:
    return where_equal(stmt, AssumptionTest, f, ("assumption_id", "problem_id", "status"))


def count_started_tests(session: Session, ctx: WorkspaceContext, assumption_id: int) -> int:
    """Live tests of an assumption that are running or concluded."""
    return int(
        session.exec(
            select(func.count()).where(
                AssumptionTest.workspace_id == ctx.id,
                AssumptionTest.assumption_id == assumption_id,
                col(AssumptionTest.deleted_at).is_(None),
                AssumptionTest.status != TestStatus.planned,
            )
        ).one()
    )


def tests_of_problem(
    session: Session, ctx: WorkspaceContext, problem_id: int
) -> list[AssumptionTest]:
    """A problem's live tests, oldest first."""
    return list(
        session.exec(
            select(AssumptionTest)
            .where(
                AssumptionTest.workspace_id == ctx.id,
                AssumptionTest.problem_id == problem_id,
                col(AssumptionTest.deleted_at).is_(None),
            )
            .order_by(col(AssumptionTest.id))
        ).all()
    )


def assumptions_of_problem(
    session: Session, ctx: WorkspaceContext, problem_id: int
) -> list[Assumption]:
    """A problem's live assumptions, oldest first."""
    return list(
        session.exec(
            select(Assumption)
            .where(
                Assumption.workspace_id == ctx.id,
                Assumption.problem_id == problem_id,
                col(Assumption.deleted_at).is_(None),
            )
            .order_by(col(Assumption.id))
        ).all()
    )


def live_assumptions(session: Session, ctx: WorkspaceContext) -> list[Assumption]:
    """The workspace's live assumptions, oldest first."""
    return list(session.exec(scoped(Assumption, ctx).order_by(col(Assumption.id))).all())


def tests_page(
    session: Session, ctx: WorkspaceContext, status: TestStatus, *, offset: int, limit: int
) -> tuple[list[AssumptionTest], int]:
    """One page of the live tests in one status, the latest changed first, and their total."""
    return paginate(
        session,
        scoped(AssumptionTest, ctx).where(AssumptionTest.status == status),
        Page(limit=limit, offset=offset),
        order_by=(col(AssumptionTest.updated_at).desc(), col(AssumptionTest.id).desc()),
    )

"""The assumption-test board: test cards by status, planned with their success criterion fixed,
started, and concluded with the observed value (the outcome is computed, never typed)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from app.db import SessionDep
from app.enums import CriterionOperator, TestMethod, TestStatus
from app.errors import AppError, InvalidInput
from app.experiments.models import Assumption, AssumptionTest, TestCreate, TestUpdate
from app.experiments.service import create_test, update_test
from app.pages.common import (
    PAGE_SIZE,
    Pager,
    app_errors,
    offset_param,
    page_router,
    validation_errors,
    values_of,
)
from app.problems.models import Problem
from app.rows import get_for_update, scoped
from app.scoring import store
from app.validation import Id, whole_number
from app.web import FormDep, hx_redirect, render
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

COLUMN_SIZE = 20


def _assumptions(session: Session, ctx: WorkspaceContext) -> list[tuple[Problem, list[Assumption]]]:
    """Live assumptions grouped under their problem, for the test card form."""
    problems = {
        p.id: p for p in session.exec(scoped(Problem, ctx).order_by(col(Problem.title))).all()
    }
    grouped: dict[int, list[Assumption]] = {}
    for a in session.exec(scoped(Assumption, ctx).order_by(col(Assumption.id))).all():
        if a.problem_id in problems:
            grouped.setdefault(a.problem_id, []).append(a)
    return [(problems[pid], items) for pid, items in grouped.items()]


def _card_context(
    session: Session, ctx: WorkspaceContext, tests: list[AssumptionTest]
) -> dict[str, Any]:
    assumption_ids = {t.assumption_id for t in tests}
    assumptions = {
        a.id: a
        for a in session.exec(
            select(Assumption).where(
                Assumption.workspace_id == ctx.id, col(Assumption.id).in_(assumption_ids)
            )
        ).all()
    }
    problem_ids = {t.problem_id for t in tests}
    problems = {
        p.id: p
        for p in session.exec(
            select(Problem).where(Problem.workspace_id == ctx.id, col(Problem.id).in_(problem_ids))
        ).all()
    }
    return {"assumptions": assumptions, "problems": problems}


@router.get("/w/{ws}/tests")
def board(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    only = request.query_params.get("status") or ""
    statuses = [TestStatus(only)] if only in TestStatus.__members__ else list(TestStatus)
    columns = []
    shown: list[AssumptionTest] = []
    for status in statuses:
        stmt = scoped(AssumptionTest, ctx).where(AssumptionTest.status == status)
        total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
        size = PAGE_SIZE if only else COLUMN_SIZE
        pager = Pager(total=total, offset=offset_param(request) if only else 0, limit=size)
        tests = list(
            session.exec(
                stmt.order_by(col(AssumptionTest.updated_at).desc(), col(AssumptionTest.id).desc())
                .offset(pager.offset)
                .limit(size)
            ).all()
        )
        shown += tests
        columns.append((status, tests, pager))
    context = {
        "ctx": ctx,
        "nav": "tests",
        "columns": columns,
        "only": only if only in TestStatus.__members__ else None,
        "has_assumptions": bool(_assumptions(session, ctx)),
        **_card_context(session, ctx, shown),
    }
    return render(request, "experiments/board.html", context)


def _test_form(
    request: Request,
    session: Session,
    ctx: WorkspaceContext,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "tests",
        "values": values,
        "errors": errors,
        "grouped": _assumptions(session, ctx),
        "methods": list(TestMethod),
        "operators": [(o.value, o.value) for o in CriterionOperator],
    }
    return render(request, "experiments/form.html", context, status=status)


@router.get("/w/{ws}/tests/new")
def new_test(request: Request, ctx: ContributorDep, session: SessionDep) -> Response:
    values = {"assumption_id": request.query_params.get("assumption_id", ""), "operator": ">="}
    return _test_form(request, session, ctx, values, {})


@router.post("/w/{ws}/tests")
def create(request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep) -> Response:
    values = values_of(form)
    try:
        payload = TestCreate.model_validate(
            {
                "assumption_id": values.get("assumption_id") or None,
                "method": values.get("method") or None,
                "metric": values.get("metric", ""),
                "operator": values.get("operator") or None,
                "threshold": values.get("threshold") or None,
                "status": "running" if values.get("start_now") == "on" else "planned",
            }
        )
        test = create_test(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors = validation_errors(exc)
    except AppError as exc:
        errors = app_errors(exc)
    else:
        store.refresh_after_write(session, ctx, test)
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")
    return _test_form(request, session, ctx, values, errors, status=422)


def _version(values: dict[str, str]) -> int:
    version = whole_number(values.get("version", ""), low=0)
    if version is None:
        raise InvalidInput("version: reload the page, the form lost its version.")
    return version


@router.post("/w/{ws}/tests/{test_id}/start")
def start(
    request: Request, ctx: ContributorDep, session: SessionDep, test_id: Id, form: FormDep
) -> Response:
    test = get_for_update(session, AssumptionTest, ctx, test_id)
    payload = TestUpdate(version=_version(values_of(form)), status=TestStatus.running)
    update_test(session=session, ctx=ctx, row=test, payload=payload, current=lambda: None)
    store.refresh_after_write(session, ctx, test)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")


@router.post("/w/{ws}/tests/{test_id}/conclude")
def conclude(
    request: Request, ctx: ContributorDep, session: SessionDep, test_id: Id, form: FormDep
) -> Response:
    values = values_of(form)
    test = get_for_update(session, AssumptionTest, ctx, test_id)
    try:
        payload = TestUpdate(
            version=_version(values),
            status=TestStatus.concluded,
            observed_value=values.get("observed_value") or None,  # type: ignore[arg-type]
            learning=values.get("learning", ""),
        )
    except ValidationError as exc:
        message = "; ".join(f"{k}: {v}" for k, v in validation_errors(exc).items())
        raise InvalidInput(message) from None
    update_test(session=session, ctx=ctx, row=test, payload=payload, current=lambda: None)
    store.refresh_after_write(session, ctx, test)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")

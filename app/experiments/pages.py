"""The assumption-test board: test cards by status, planned with their success criterion fixed,
started, and concluded with the observed value (the outcome is computed, never typed)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.db import SessionDep
from app.enums import CriterionOperator, TestMethod, TestStatus
from app.errors import AppError, Conflict, FormError, InvalidInput
from app.experiments import repository
from app.experiments.models import Assumption, AssumptionTest, TestCreate, TestUpdate
from app.experiments.service import create_test, update_test
from app.kit.rows import get_for_update, get_row, rows_by_id
from app.problems import repository as problems_repository
from app.problems.models import Problem
from app.scoring.words import OPERATOR_WORDS, criterion_sentence
from app.validation import Id, whole_number
from app.web import (
    PAGE_SIZE,
    CompareRow,
    FormDep,
    Pager,
    ShownField,
    app_errors,
    chosen_words,
    compare_rows,
    hx_redirect,
    offset_param,
    page_router,
    render,
    stale_message,
    typed_text,
    validation_errors,
    values_of,
)
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

COLUMN_SIZE = 20


def _assumptions(session: Session, ctx: WorkspaceContext) -> list[tuple[Problem, list[Assumption]]]:
    """Live assumptions grouped under their problem, for the test card form."""
    problems = {p.id: p for p in problems_repository.problems_by_title(session, ctx)}
    grouped: dict[int, list[Assumption]] = {}
    for a in repository.live_assumptions(session, ctx):
        if a.problem_id in problems:
            grouped.setdefault(a.problem_id, []).append(a)
    return [(problems[pid], items) for pid, items in grouped.items()]


def _card_context(
    session: Session, ctx: WorkspaceContext, tests: list[AssumptionTest]
) -> dict[str, Any]:
    return {
        "assumptions": rows_by_id(session, Assumption, ctx, {t.assumption_id for t in tests}),
        "problems": rows_by_id(session, Problem, ctx, {t.problem_id for t in tests}),
    }


@router.get("/w/{ws}/tests")
def board(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    return _board(request, session, ctx)


def _board(
    request: Request,
    session: Session,
    ctx: WorkspaceContext,
    *,
    concluding: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The board; `concluding` reopens one test's conclude form with its values and errors."""
    only = request.query_params.get("status") or ""
    statuses = [TestStatus(only)] if only in TestStatus.__members__ else list(TestStatus)
    columns = []
    shown: list[AssumptionTest] = []
    for column_status in statuses:
        size = PAGE_SIZE if only else COLUMN_SIZE
        offset = offset_param(request) if only else 0
        tests, total = repository.tests_page(session, ctx, column_status, offset=offset, limit=size)
        pager = Pager(total=total, offset=offset, limit=size)
        shown += tests
        columns.append((column_status, tests, pager))
    context = {
        "ctx": ctx,
        "nav": "tests",
        "columns": columns,
        "only": only if only in TestStatus.__members__ else None,
        "has_assumptions": bool(_assumptions(session, ctx)),
        "concluding": concluding or {},
        **_card_context(session, ctx, shown),
    }
    return render(request, "experiments/board.html", context, status=status)


def _test_form(
    request: Request,
    session: Session,
    ctx: WorkspaceContext,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    test: AssumptionTest | None = None,
    compare: list[CompareRow] | None = None,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "tests",
        "test": test,
        "values": values,
        "errors": errors,
        "compare": compare,
        "grouped": _assumptions(session, ctx),
        "methods": list(TestMethod),
        "operators": [(o.value, OPERATOR_WORDS[o]) for o in CriterionOperator],
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
        create_test(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors = validation_errors(exc)
    except AppError as exc:
        errors = app_errors(exc)
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")
    raise FormError(_test_form(request, session, ctx, values, errors, status=422))


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
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")


@router.post("/w/{ws}/tests/{test_id}/conclude")
def conclude(
    request: Request, ctx: ContributorDep, session: SessionDep, test_id: Id, form: FormDep
) -> Response:
    """Conclude with the observed value, or, when chosen, as inconclusive with the reason."""
    values = values_of(form)
    test = get_for_update(session, AssumptionTest, ctx, test_id)
    inconclusive = values.get("result") == "inconclusive"
    try:
        payload = TestUpdate.model_validate(
            {
                "version": _version(values),
                "status": TestStatus.concluded,
                "observed_value": values.get("observed_value") or None,
                "learning": values.get("learning", ""),
                # Only the explicit choice sends a reason: a blank value alone concludes nothing.
                "inconclusive_reason": values.get("inconclusive_reason", "")
                if inconclusive
                else None,
            }
        )
        update_test(session=session, ctx=ctx, row=test, payload=payload, current=lambda: None)
    except ValidationError as exc:
        errors = validation_errors(exc)
    except InvalidInput as exc:
        errors = app_errors(exc)
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests")
    if "observed_value" in errors and not values.get("observed_value"):
        errors["observed_value"] = (
            "Enter the value you observed, or choose “Inconclusive” and say why."
        )
    concluding = {"test_id": test_id, "values": values, "errors": errors}
    raise FormError(_board(request, session, ctx, concluding=concluding, status=422))


@router.get("/w/{ws}/tests/{test_id}/edit")
def edit_test(request: Request, ctx: ContributorDep, session: SessionDep, test_id: Id) -> Response:
    """A planned test card, to change before it starts (its criterion is fixed then)."""
    test = get_row(session, AssumptionTest, ctx, test_id)
    _check_planned(test)
    values = {
        "assumption_id": test.assumption_id,
        "method": test.method,
        "metric": test.metric,
        "operator": CriterionOperator(test.operator).value,
        "threshold": "" if test.threshold is None else format(test.threshold, "g"),
        "version": test.version,
    }
    return _test_form(request, session, ctx, values, {}, test=test)


@router.post("/w/{ws}/tests/{test_id}")
def save_test(
    request: Request, ctx: ContributorDep, session: SessionDep, test_id: Id, form: FormDep
) -> Response:
    """Save a planned card's method and criterion against the version it was edited on."""
    values = values_of(form)
    test = get_for_update(session, AssumptionTest, ctx, test_id)
    _check_planned(test)
    compare = None
    try:
        payload = TestUpdate.model_validate(
            {
                "version": _version(values),
                "method": values.get("method") or None,
                "metric": values.get("metric", ""),
                "operator": values.get("operator") or None,
                "threshold": values.get("threshold") or None,
            }
        )
        update_test(session=session, ctx=ctx, row=test, payload=payload, current=lambda: None)
    except ValidationError as exc:
        errors, status = validation_errors(exc), 422
    except AppError as exc:
        errors, status = app_errors(exc), exc.status
        if exc.code == "stale_version":
            # Keep what was typed, beside what was saved; saving again applies it on purpose.
            errors[""] = stale_message("this test card")
            compare = compare_rows(CARD_FIELDS, _card_words(values), _card_words(test))
            values["version"] = str(test.version)
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/tests#test-{test_id}")
    raise FormError(
        _test_form(request, session, ctx, values, errors, status=status, test=test, compare=compare)
    )


# What a stale edit of a planned card compares: the criterion as the board says it.
CARD_FIELDS: list[ShownField] = [
    ("method", "Method", chosen_words),
    ("criterion", "Success when", typed_text),
]


def _card_words(card: AssumptionTest | dict[str, str]) -> dict[str, str]:
    """A card's method and criterion in words, from the saved row or from the typed form."""
    if isinstance(card, AssumptionTest):
        fields: dict[str, Any] = card.model_dump(include={"method", "metric", "operator"})
        threshold = card.threshold
    else:
        fields = {key: card.get(key, "") for key in ("method", "metric", "operator")}
        threshold = float(card["threshold"]) if card.get("threshold") else None
    operator = fields["operator"]
    criterion = criterion_sentence(fields["metric"], operator, threshold) if operator else ""
    return {"method": fields["method"] or "", "criterion": criterion}


def _check_planned(test: AssumptionTest) -> None:
    if test.status != TestStatus.planned:
        raise Conflict(
            "This test has started: its success criterion is fixed. Plan a new test to measure"
            " something else.",
            code="test_started",
        )

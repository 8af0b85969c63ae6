"""Leadership's pages: the review queue, and recording a decision on a problem with its
current scorecard frozen into it (deciders only)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.db import SessionDep, utcnow
from app.decisions.models import DecisionCreate
from app.decisions.review import review_queue
from app.decisions.service import create_decision, earliest_today
from app.enums import DecisionKind
from app.errors import AppError, FormError
from app.kit.rows import Page, get_row
from app.problems.models import Problem
from app.scorecards import service as store
from app.validation import Id
from app.web import (
    PAGE_SIZE,
    FormDep,
    Pager,
    app_errors,
    hx_redirect,
    offset_param,
    page_router,
    render,
    validation_errors,
    values_of,
)
from app.workspaces.deps import DeciderDep, WorkspaceContext, WorkspaceDep

router = page_router()


@router.get("/w/{ws}/review")
def review(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    page = Page(limit=PAGE_SIZE, offset=offset_param(request))
    queue = review_queue(session=session, ctx=ctx, today=utcnow().date(), page=page)
    context = {
        "ctx": ctx,
        "nav": "review",
        "items": queue.items,
        "pager": Pager(total=queue.total, offset=page.offset),
        "today": queue.today,
    }
    return render(request, "decisions/review.html", context)


def _decide_form(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    problem: Problem,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "review",
        "problem": problem,
        "card": store.current_scorecard(session=session, ctx=ctx, problem=problem),
        "values": values,
        "errors": errors,
        "kinds": list(DecisionKind),
        "earliest_review": earliest_today(),
    }
    return render(request, "decisions/decide.html", context, status=status)


@router.get("/w/{ws}/problems/{problem_id}/decide")
def decide_form(request: Request, ctx: DeciderDep, session: SessionDep, problem_id: Id) -> Response:
    problem = get_row(session, Problem, ctx, problem_id)
    return _decide_form(request, session, ctx, problem, {}, {})


@router.post("/w/{ws}/problems/{problem_id}/decide")
def decide(
    request: Request, ctx: DeciderDep, session: SessionDep, problem_id: Id, form: FormDep
) -> Response:
    """Record the decision; the scorecard as it is now is frozen into it."""
    problem = get_row(session, Problem, ctx, problem_id)
    values = values_of(form)
    try:
        payload = DecisionCreate.model_validate(
            {
                "problem_id": problem_id,
                "kind": values.get("kind") or None,
                "rationale": values.get("rationale", ""),
                "dissent": values.get("dissent", ""),
                "customer_advocate_notes": values.get("customer_advocate_notes", ""),
                "review_on": values.get("review_on") or None,
            }
        )
        create_decision(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors = validation_errors(exc)
        if "rationale" in errors:
            errors["rationale"] = "Say why: the rationale is what the next review reads first."
    except AppError as exc:
        errors = app_errors(exc)
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}#decisions")
    raise FormError(_decide_form(request, session, ctx, problem, values, errors, status=422))

"""Leadership's pages: the review queue, and recording a decision on a problem with its
current scorecard frozen into it (deciders only)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.db import SessionDep, utcnow
from app.decisions.api import MemoFormat, memo_response
from app.decisions.memo import Memo
from app.decisions.models import Decision, DecisionCreate
from app.decisions.review import review_queue
from app.decisions.service import (
    create_decision,
    decision_memo,
    earliest_today,
    problem_memo,
)
from app.enums import DecisionKind
from app.errors import AppError, FormError
from app.kit.rows import Page, get_row
from app.problems.models import Problem
from app.scorecards import service as store
from app.scoring.words import PARK_MEANING, RECOMMENDATION_MEANINGS
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

# What each decision does, beside its radio button.
KIND_MEANINGS = {
    DecisionKind.pursue: "build it",
    DecisionKind.pivot: "keep the pain, change the segment or the solution",
    DecisionKind.halt: "stop working on it; the evidence is kept",
    DecisionKind.park: PARK_MEANING,
}


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
        "kind_meanings": KIND_MEANINGS,
        "recommendation_meanings": RECOMMENDATION_MEANINGS,
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
                "against_reason": values.get("against_reason", ""),
                "review_on": values.get("review_on") or None,
            }
        )
        create_decision(session=session, ctx=ctx, payload=payload, ask_why_against=True)
    except ValidationError as exc:
        errors = validation_errors(exc)
        if "rationale" in errors and not values.get("rationale"):
            errors["rationale"] = "Say why: the rationale is what the next review reads first."
    except AppError as exc:
        errors = app_errors(exc)
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}#decisions")
    raise FormError(_decide_form(request, session, ctx, problem, values, errors, status=422))


# ---- memos: the frozen memo of each decision, and the memo of a problem as it stands ---------


def _memo_links(base: str) -> dict[str, str]:
    return {"page": base, "markdown": base + ".md", "print": base + "/print"}


def _memo_page(
    request: Request, ctx: WorkspaceContext, memo: Memo, base: str, fmt: MemoFormat, name: str
) -> Response:
    return memo_response(request, ctx, memo, fmt, name, links=_memo_links(base))


@router.get("/w/{ws}/decisions/{decision_id}/memo")
@router.get("/w/{ws}/decisions/{decision_id}/memo/print")
@router.get("/w/{ws}/decisions/{decision_id}/memo.md")
def frozen_memo(
    request: Request, ctx: WorkspaceDep, session: SessionDep, decision_id: Id
) -> Response:
    """A decision's memo as it was frozen: in the app, printable, or as Markdown."""
    decision = get_row(session, Decision, ctx, decision_id)
    memo = decision_memo(session=session, ctx=ctx, decision=decision)
    base = f"/w/{ctx.workspace.slug}/decisions/{decision_id}/memo"
    return _memo_page(
        request, ctx, memo, base, _memo_format(request), f"decision-{decision_id}-memo"
    )


@router.get("/w/{ws}/problems/{problem_id}/memo")
@router.get("/w/{ws}/problems/{problem_id}/memo/print")
@router.get("/w/{ws}/problems/{problem_id}/memo.md")
def live_memo(request: Request, ctx: WorkspaceDep, session: SessionDep, problem_id: Id) -> Response:
    """The memo of a problem as the evidence stands now."""
    problem = get_row(session, Problem, ctx, problem_id)
    memo = problem_memo(session=session, ctx=ctx, problem=problem)
    base = f"/w/{ctx.workspace.slug}/problems/{problem_id}/memo"
    return _memo_page(request, ctx, memo, base, _memo_format(request), f"problem-{problem_id}-memo")


def _memo_format(request: Request) -> MemoFormat:
    path = request.url.path
    if path.endswith(".md"):
        return "markdown"
    return "print" if path.endswith("/print") else "html"

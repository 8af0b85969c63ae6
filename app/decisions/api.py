"""JSON routes of the decision log, the review queue and the decision memo."""

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import col

from app.db import SessionDep, utcnow
from app.decisions import review, service
from app.decisions.memo import Memo, memo_template_context, render_markdown
from app.decisions.models import Decision, DecisionCreate, DecisionRead, DecisionUpdate
from app.enums import Role
from app.headers import SANDBOX_POLICY
from app.kit.collections import CollectionSpec, collection_router
from app.kit.rows import PageDep, get_row
from app.problems.deps import ProblemDep
from app.validation import Id
from app.web import render
from app.workspaces.deps import WORKSPACE_ACCESS, WorkspaceContext, WorkspaceDep

decisions = CollectionSpec(
    path="decisions",
    model=Decision,
    read_schema=DecisionRead,
    create_schema=DecisionCreate,
    update_schema=DecisionUpdate,
    create=service.create_decision,
    update=service.update_decision,
    to_reads=service.decision_reads,
    filters=service.DecisionFilters,
    apply_filters=service.filter_decisions,
    order_by=lambda: (col(Decision.created_at).desc(), col(Decision.id).desc()),
    write_role=Role.decider,
    # Append-only: a wrong decision is superseded by a new one, never deleted.
    allow_delete=False,
)

extra = APIRouter(prefix="/workspaces/{ws}")

MemoFormat = Literal["markdown", "html", "print"]
MEMO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The memo as Markdown, or as a printable HTML page with `format=html`.",
        "content": {"text/markdown": {}, "text/html": {}},
    }
}


def memo_response(
    request: Request,
    ctx: WorkspaceContext,
    memo: Memo,
    fmt: MemoFormat,
    name: str,
    links: dict[str, str] | None = None,
) -> Response:
    """The memo as a page (with links to its other versions) or as Markdown."""
    if fmt in ("html", "print"):
        context = memo_template_context(memo) | {
            "ctx": ctx,
            "printable": fmt == "print",
            "links": links or {},
        }
        return render(request, "decisions/memo.html", context)
    # Titles and quotes are people's words, Markdown passes them through as typed: a browser
    # must show this as text, never render it (nosniff, and a sandbox in case it tried).
    return Response(
        render_markdown(memo),
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{name}.md"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX_POLICY,
        },
    )


@extra.get(
    "/review",
    response_model=review.ReviewQueue,
    tags=["decisions"],
    summary="Problems to review again, with what changed since their last decision",
    description="One page of the queue, the most pressing first; `total` counts all of it.",
)
def review_queue(ctx: WorkspaceDep, session: SessionDep, page: PageDep) -> Any:
    return review.review_queue(session=session, ctx=ctx, today=utcnow().date(), page=page)


@extra.get(
    "/problems/{problem_id}/memo",
    response_class=Response,
    responses=MEMO_RESPONSES,
    tags=["decisions"],
    summary="The decision memo of a problem as it stands now",
)
def problem_memo(
    request: Request,
    ctx: WorkspaceDep,
    session: SessionDep,
    problem: ProblemDep,
    format: MemoFormat = Query("markdown", description="markdown, or html to print"),
) -> Response:
    memo = service.problem_memo(session=session, ctx=ctx, problem=problem)
    return memo_response(request, ctx, memo, format, f"problem-{problem.id}-memo")


@extra.get(
    "/decisions/{decision_id}/memo",
    response_class=Response,
    responses=MEMO_RESPONSES,
    tags=["decisions"],
    summary="The memo of a past decision, rebuilt from what it froze",
)
def decision_memo(
    request: Request,
    ctx: WorkspaceDep,
    session: SessionDep,
    decision_id: Id,
    format: MemoFormat = Query("markdown", description="markdown, or html to print"),
) -> Response:
    decision = get_row(session, Decision, ctx, decision_id)
    memo = service.decision_memo(session=session, ctx=ctx, decision=decision)
    return memo_response(request, ctx, memo, format, f"decision-{decision_id}-memo")


router = APIRouter()
router.include_router(collection_router(decisions, WORKSPACE_ACCESS))
router.include_router(extra)

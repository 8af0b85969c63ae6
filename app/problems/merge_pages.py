"""Pages for problems that are the same problem: the likely duplicates, and merging two
(preview, confirm, undo)."""

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import FormError
from app.kit.merging import merge_event
from app.problems import merging
from app.problems import repository as problems_repository
from app.problems.models import Problem
from app.validation import Id, whole_number
from app.web import FormDep, hx_redirect, page_router, render
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()


def _duplicates_page(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "portfolio",
        "duplicates": merging.suggestions(session, ctx),
        "problems": problems_repository.problems_by_title(session, ctx),
        "merged": whole_number(request.query_params.get("merged", ""), low=1),
        "error": error,
    }
    return render(request, "problems/duplicates.html", context, status=status)


@router.get("/w/{ws}/problems/duplicates")
def duplicates(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    """Problems whose titles look alike, and a form to merge any two."""
    return _duplicates_page(request, session, ctx)


@router.get("/w/{ws}/problems/{problem_id}/merge")
def merge_preview(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id
) -> Response:
    """What a merge would move, and the button that does it."""
    absorb_id = whole_number(request.query_params.get("absorb_id", ""), low=1)
    if absorb_id is None or absorb_id == problem_id:
        error = "Choose two different problems: the one to keep and the one merged into it."
        raise FormError(_duplicates_page(request, session, ctx, error=error, status=422))
    preview = merging.preview_merge(session, ctx, keep_id=problem_id, absorb_id=absorb_id)
    context = {"ctx": ctx, "nav": "portfolio", "preview": preview, "kind": "problem"}
    return render(request, "research/merge.html", context)


@router.get("/w/{ws}/problems/merge")
def merge_chosen(request: Request, ctx: ContributorDep) -> Response:
    """The duplicates page's form: two problems chosen, to the preview of their merge."""
    params = request.query_params
    keep = whole_number(params.get("keep_id", ""), low=1) or 0
    target = (
        f"/w/{ctx.workspace.slug}/problems/{keep}/merge?absorb_id={params.get('absorb_id', '')}"
    )
    return hx_redirect(request, target)


@router.post("/w/{ws}/problems/{problem_id}/merge")
def merge(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id, form: FormDep
) -> Response:
    absorb_id = whole_number(str(form.get("absorb_id", "")), low=1) or 0
    report = merging.merge(session, ctx, keep_id=problem_id, absorb_id=absorb_id)
    return hx_redirect(
        request, f"/w/{ctx.workspace.slug}/problems/duplicates?merged={report.merge_id}"
    )


@router.post("/w/{ws}/problem-merges/{merge_id}/undo")
def undo_merge(
    request: Request, ctx: ContributorDep, session: SessionDep, merge_id: Id
) -> Response:
    restored = merging.undo_merge(session, ctx, merge_event(session, ctx, Problem, merge_id))
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{restored.id}")

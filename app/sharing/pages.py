"""The shared page itself (no account, nothing but what was shared), and sharing from
Settings."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.decisions.memo import memo_template_context
from app.decisions.models import Decision
from app.decisions.service import decision_memo
from app.errors import AppError, FormError
from app.kit.rows import get_row
from app.problems.models import Problem
from app.scorecards import service as store
from app.sharing import service
from app.sharing.models import SharedThing, ShareLinkCreate
from app.validation import Id
from app.web import FormDep, app_errors, hx_redirect, page_router, public_url, render, values_of
from app.workspaces.deps import DeciderDep
from app.workspaces.pages import settings_page_response

router = page_router()

# Not for search engines, not kept by caches or sent on as a referrer: the link is the key.
SHARED_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


@router.get("/s/{token}")
def shared_page(request: Request, session: SessionDep, token: str) -> Response:
    """What the link shares, read-only, to anyone holding it."""
    try:
        shared = service.open_link(
            session=session, settings=request.app.state.settings, token=token
        )
        template, context = _shared_content(session, shared)
    except AppError as exc:
        context = {"message": exc.message, "noindex": True}
        return render(request, "sharing/refused.html", context, status=404, headers=SHARED_HEADERS)
    return render(request, template, context, headers=SHARED_HEADERS)


def _shared_content(session: SessionDep, shared: service.Shared) -> tuple[str, dict[str, Any]]:
    """The template and context of what a link shares: the memo a decision froze, or a
    problem's scorecard as it is now."""
    link, ctx = shared.link, shared.ctx
    context: dict[str, Any] = {"link": link, "shared_by": ctx.user.name, "noindex": True}
    if link.kind == SharedThing.memo:
        decision = get_row(session, Decision, ctx, link.target_id)
        memo = decision_memo(session=session, ctx=ctx, decision=decision)
        return "decisions/memo.html", context | memo_template_context(memo)
    problem = get_row(session, Problem, ctx, link.target_id, include_deleted=True)
    card = store.current_scorecard(session=session, ctx=ctx, problem=problem)
    context |= {"problem": problem, "card": card, "workspace_name": ctx.workspace.name}
    return "sharing/scorecard.html", context


@router.post("/w/{ws}/settings/share-links")
def create_link(request: Request, ctx: DeciderDep, session: SessionDep, form: FormDep) -> Response:
    values = values_of(form)
    kind, _, target = values.get("shared", "").partition(":")
    try:
        payload = ShareLinkCreate.model_validate(
            {"kind": kind, "target_id": target, "expires_on": values.get("expires_on") or None}
        )
        link, token = service.create_link(
            session=session, ctx=ctx, payload=payload, settings=request.app.state.settings
        )
    except ValueError:
        errors = {"shared": "Choose a scorecard or a memo to share."}
    except AppError as exc:
        errors = app_errors(exc)
        errors.setdefault("shared", errors.pop("", exc.message))
    else:
        created = (link, public_url(request, service.share_path(token)))
        return settings_page_response(request, session, ctx, share_created=created)
    raise FormError(
        settings_page_response(request, session, ctx, errors=errors, values=values, status=422)
    )


@router.post("/w/{ws}/settings/share-links/{link_id}/revoke")
def revoke_link(request: Request, ctx: DeciderDep, session: SessionDep, link_id: Id) -> Response:
    service.revoke_link(session=session, ctx=ctx, link_id=link_id)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/settings#share-links")

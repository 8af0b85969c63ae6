"""JSON routes of read-only share links."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.db import SessionDep
from app.sharing import service
from app.sharing.models import ShareLinkCreate, ShareLinkCreated, ShareLinkRead
from app.validation import Id
from app.web import public_url
from app.workspaces.deps import DeciderDep, WorkspaceDep

router = APIRouter(prefix="/workspaces/{ws}/share-links", tags=["sharing"])


@router.get("", response_model=list[ShareLinkRead], summary="Read-only links that still work")
def list_links(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return service.live_links(session=session, ctx=ctx)


@router.post(
    "",
    response_model=ShareLinkCreated,
    status_code=201,
    summary="Share a scorecard or a decision's memo read-only (decider)",
    description="Anyone with the link reads that one page, without an account, until it "
    "expires or is revoked; each view is audited. The link is shown once.",
)
def create_link(
    request: Request, ctx: DeciderDep, session: SessionDep, payload: ShareLinkCreate
) -> Any:
    link, token = service.create_link(
        session=session, ctx=ctx, payload=payload, settings=request.app.state.settings
    )
    read = ShareLinkRead.model_validate(link, from_attributes=True).model_dump()
    return ShareLinkCreated.model_validate(
        read | {"link": public_url(request, service.share_path(token))}
    )


@router.delete("/{share_link_id}", status_code=204, summary="Revoke a share link (decider)")
def revoke_link(ctx: DeciderDep, session: SessionDep, share_link_id: Id) -> Response:
    service.revoke_link(session=session, ctx=ctx, link_id=share_link_id)
    return Response(status_code=204)

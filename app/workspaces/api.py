"""JSON routes of workspaces and their members."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.auth.service import normalise_email
from app.db import SessionDep
from app.validation import Id
from app.web import public_url
from app.workspaces import invitations, service
from app.workspaces.deps import AdminDep, WorkspaceDep
from app.workspaces.models import (
    InvitationCreate,
    InvitationRead,
    InvitationSent,
    MemberAdd,
    MemberAdded,
    MemberRead,
    MemberUpdate,
    ScoringSettings,
    ScoringSettingsUpdate,
    SignupSettings,
    SignupSettingsUpdate,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
    WorkspaceWithRole,
)

router = APIRouter(prefix="/workspaces", tags=["workspaces"])


@router.post("", response_model=WorkspaceWithRole, status_code=201, summary="Create a workspace")
def create_workspace(user: CurrentUser, session: SessionDep, payload: WorkspaceCreate) -> Any:
    workspace = service.create_workspace(session=session, user=user, payload=payload)
    return WorkspaceWithRole.model_validate(workspace.model_dump() | {"role": "admin"})


@router.get("", response_model=list[WorkspaceWithRole], summary="List your workspaces")
def list_workspaces(user: CurrentUser, session: SessionDep) -> Any:
    return [
        WorkspaceWithRole.model_validate(ws.model_dump() | {"role": role})
        for ws, role in service.workspaces_of(session=session, user=user)
    ]


@router.get("/{ws}", response_model=WorkspaceWithRole, summary="Get a workspace")
def get_workspace(ctx: WorkspaceDep) -> Any:
    return WorkspaceWithRole.model_validate(ctx.workspace.model_dump() | {"role": ctx.role})


@router.patch("/{ws}", response_model=WorkspaceRead, summary="Update a workspace (admin)")
def update_workspace(ctx: AdminDep, session: SessionDep, payload: WorkspaceUpdate) -> Any:
    return service.update_workspace(session=session, ctx=ctx, payload=payload)


@router.get("/{ws}/members", response_model=list[MemberRead], summary="List members")
def list_members(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return [service.member_read(m, u) for m, u in service.members(session=session, ctx=ctx)]


@router.post(
    "/{ws}/members",
    response_model=MemberAdded,
    status_code=202,
    summary="Add a member (admin; prefer invitations)",
    description="Gives the user with this email a role at once. The answer is the same whether "
    "or not the email has an account, but the member list then shows who has one: invite "
    "instead (`POST /workspaces/{ws}/invitations`), which tells nothing until the person "
    "accepts. Kept for scripts.",
    deprecated=True,
)
def add_member(ctx: AdminDep, session: SessionDep, payload: MemberAdd) -> Any:
    service.add_member(session=session, ctx=ctx, email=payload.email, role=payload.role)
    message = service.access_message(ctx=ctx, email=payload.email, role=payload.role)
    return MemberAdded(email=normalise_email(payload.email), role=payload.role, message=message)


@router.patch(
    "/{ws}/members/{user_id}", response_model=MemberRead, summary="Change a member's role (admin)"
)
def change_role(ctx: AdminDep, session: SessionDep, user_id: Id, payload: MemberUpdate) -> Any:
    membership, user = service.change_role(
        session=session, ctx=ctx, user_id=user_id, role=payload.role, version=payload.version
    )
    return service.member_read(membership, user)


@router.delete("/{ws}/members/{user_id}", status_code=204, summary="Remove a member (admin)")
def remove_member(ctx: AdminDep, session: SessionDep, user_id: Id) -> Response:
    service.remove_member(session=session, ctx=ctx, user_id=user_id)
    return Response(status_code=204)


@router.get(
    "/{ws}/settings/scoring",
    response_model=ScoringSettings,
    summary="Scoring thresholds",
)
def get_scoring_settings(ctx: AdminDep) -> Any:
    return ScoringSettings.of(ctx.workspace)


@router.patch(
    "/{ws}/settings/scoring",
    response_model=ScoringSettings,
    summary="Change scoring thresholds",
)
def update_scoring_settings(
    ctx: AdminDep, session: SessionDep, payload: ScoringSettingsUpdate
) -> Any:
    return service.update_scoring_settings(session=session, ctx=ctx, payload=payload)


# ---- invitations -----------------------------------------------------------------------------


@router.get("/{ws}/invitations", response_model=list[InvitationRead], summary="Pending invitations")
def list_invitations(ctx: AdminDep, session: SessionDep) -> Any:
    return invitations.pending(session=session, ctx=ctx)


@router.post(
    "/{ws}/invitations",
    response_model=InvitationSent,
    status_code=201,
    summary="Invite someone by email (admin)",
    description="Emails a single-use link that expires. The answer is the same whether or not "
    "the email has an account; the link is in the answer only when no mail went out.",
)
def create_invitation(
    request: Request, ctx: AdminDep, session: SessionDep, payload: InvitationCreate
) -> Any:
    settings = request.app.state.settings
    invitation, token = invitations.invite(
        session=session, ctx=ctx, email=payload.email, role=payload.role, settings=settings
    )
    link = public_url(request, invitations.invitation_path(token))
    return invitations.send_invitation(
        session=session, settings=settings, ctx=ctx, invitation=invitation, link=link
    )


@router.post(
    "/{ws}/invitations/{invitation_id}/resend",
    response_model=InvitationSent,
    summary="Send a pending invitation again, with a new link (admin)",
)
def resend_invitation(
    request: Request, ctx: AdminDep, session: SessionDep, invitation_id: Id
) -> Any:
    settings = request.app.state.settings
    invitation, token = invitations.resend(
        session=session, ctx=ctx, invitation_id=invitation_id, settings=settings
    )
    link = public_url(request, invitations.invitation_path(token))
    return invitations.send_invitation(
        session=session, settings=settings, ctx=ctx, invitation=invitation, link=link
    )


@router.delete(
    "/{ws}/invitations/{invitation_id}", status_code=204, summary="Revoke an invitation (admin)"
)
def revoke_invitation(ctx: AdminDep, session: SessionDep, invitation_id: Id) -> Response:
    invitations.revoke(session=session, ctx=ctx, invitation_id=invitation_id)
    return Response(status_code=204)


@router.get("/{ws}/settings/signup", response_model=SignupSettings, summary="Sign-up by domain")
def get_signup_settings(ctx: AdminDep) -> Any:
    return SignupSettings.model_validate(ctx.workspace, from_attributes=True)


@router.patch(
    "/{ws}/settings/signup",
    response_model=SignupSettings,
    summary="Let an email domain join without an invitation (admin)",
)
def update_signup_settings(
    ctx: AdminDep, session: SessionDep, payload: SignupSettingsUpdate
) -> Any:
    return service.update_signup_settings(session=session, ctx=ctx, payload=payload)

"""JSON routes of workspaces and their members."""

from typing import Any

from fastapi import APIRouter, Response

from app.auth.deps import CurrentUser
from app.auth.service import normalise_email
from app.db import SessionDep
from app.validation import Id
from app.workspaces import service
from app.workspaces.deps import AdminDep, WorkspaceDep
from app.workspaces.models import (
    MemberAdd,
    MemberAdded,
    MemberRead,
    MemberUpdate,
    ScoringSettings,
    ScoringSettingsUpdate,
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
    summary="Add a member (admin)",
    description="Gives the user with this email a role. The answer is the same whether or not "
    "the email has an account, so it cannot be used to find out who has one; the member list "
    "shows who has access.",
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

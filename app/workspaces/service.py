"""Rules of workspaces and memberships."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, func, select

from app.audit.service import record, record_change, snapshot
from app.auth.models import User
from app.auth.service import normalise_email
from app.db import utcnow
from app.enums import Role
from app.errors import Conflict, NotFound
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import (
    Membership,
    Workspace,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)


def create_workspace(*, session: Session, user: User, payload: WorkspaceCreate) -> Workspace:
    """Create a workspace; its creator becomes its admin."""
    if session.exec(select(Workspace).where(Workspace.slug == payload.slug)).first():
        raise Conflict(
            f"The address '{payload.slug}' is taken; choose another slug.", code="slug_taken"
        )
    workspace = Workspace.model_validate(payload.model_dump() | {"created_by": user.id})
    session.add(workspace)
    session.flush()
    assert workspace.id is not None and user.id is not None
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.admin))
    record(
        session=session,
        workspace_id=workspace.id,
        actor_id=user.id,
        action="create",
        entity="workspace",
        entity_id=workspace.id,
        after=snapshot(workspace),
    )
    session.flush()
    return workspace


def workspaces_of(*, session: Session, user: User) -> list[tuple[Workspace, Role]]:
    """The workspaces a user belongs to, with their role in each."""
    rows = session.exec(
        select(Workspace, Membership)
        .join(Membership, col(Membership.workspace_id) == col(Workspace.id))
        .where(Membership.user_id == user.id, col(Workspace.deleted_at).is_(None))
        .order_by(col(Workspace.name))
    ).all()
    return [(ws, Role(m.role)) for ws, m in rows]


def update_workspace(
    *, session: Session, ctx: WorkspaceContext, payload: WorkspaceUpdate
) -> Workspace:
    """Rename or describe a workspace."""
    from app.rows import update_row

    workspace = ctx.workspace

    def current() -> dict[str, Any]:
        # The conflict shows the workspace as the PATCH answers it, not its raw columns.
        return WorkspaceRead.model_validate(workspace, from_attributes=True).model_dump(mode="json")

    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    return update_row(session, ctx, workspace, changes, version=payload.version, current=current)


def members(*, session: Session, ctx: WorkspaceContext) -> Sequence[tuple[Membership, User]]:
    return session.exec(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.workspace_id == ctx.id)
        .order_by(col(User.name), col(User.id))
    ).all()


def _membership(session: Session, ctx: WorkspaceContext, user_id: int) -> Membership:
    membership = session.exec(
        select(Membership).where(Membership.workspace_id == ctx.id, Membership.user_id == user_id)
    ).first()
    if membership is None:
        raise NotFound(f"User {user_id} is not a member of this workspace.")
    return membership


def _admins(session: Session, ctx: WorkspaceContext) -> int:
    return session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == ctx.id, Membership.role == Role.admin)
    ).one()


def add_member(
    *, session: Session, ctx: WorkspaceContext, email: str, role: Role
) -> Membership | None:
    """Give the user with this email a role in the workspace; None when no account has it.

    Callers answer both cases alike (see `access_message`), so adding members cannot be used
    to find out which emails have an account.
    """
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        return None
    assert user.id is not None
    existing = session.exec(
        select(Membership).where(Membership.workspace_id == ctx.id, Membership.user_id == user.id)
    ).first()
    if existing is not None:
        raise Conflict(f"{email} is already a member (as {existing.role}).", code="already_member")
    membership = Membership(workspace_id=ctx.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    record_change(session, ctx, "create", membership)
    return membership


def access_message(*, ctx: WorkspaceContext, email: str, role: Role) -> str:
    """What adding a member did, worded the same whether or not the email has an account."""
    return (
        f"If {normalise_email(email)} has an Evident account, they now have access to "
        f"{ctx.workspace.name} as {role.value}. If not, nothing changed: ask whoever runs "
        "Evident to create their account (`evident create-user`), then add them again."
    )


def change_role(*, session: Session, ctx: WorkspaceContext, user_id: int, role: Role) -> Membership:
    """Change a member's role; the last admin cannot step down."""
    membership = _membership(session, ctx, user_id)
    if membership.role == Role.admin and role != Role.admin and _admins(session, ctx) <= 1:
        raise Conflict(
            "This is the workspace's last admin; make someone else admin first.", code="last_admin"
        )
    before = snapshot(membership)
    membership.role = role
    membership.updated_at = utcnow()
    session.add(membership)
    session.flush()
    record_change(session, ctx, "update", membership, before=before)
    return membership


def remove_member(*, session: Session, ctx: WorkspaceContext, user_id: int) -> None:
    """Remove a member; the last admin cannot be removed."""
    membership = _membership(session, ctx, user_id)
    if membership.role == Role.admin and _admins(session, ctx) <= 1:
        raise Conflict(
            "This is the workspace's last admin; make someone else admin first.", code="last_admin"
        )
    record_change(session, ctx, "delete", membership, before=snapshot(membership), after=None)
    session.delete(membership)
    session.flush()

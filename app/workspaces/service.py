"""Rules of workspaces and memberships."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.auth.models import User, UserRead
from app.auth.service import normalise_email
from app.enums import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.kit.audit import AuditEvent, record, record_change, snapshot
from app.kit.rows import check_version, update_row
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import (
    MemberRead,
    Membership,
    ScoringSettings,
    ScoringSettingsUpdate,
    SignupSettings,
    SignupSettingsUpdate,
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


def lock_workspace(*, session: Session, ctx: WorkspaceContext) -> Workspace:
    """Lock the workspace for an admin's change and read it afresh; 409 if they lost admin."""
    # Every change to the workspace, its thresholds or its members locks this row first, so
    # they run one at a time per workspace: each sees the version and the admins the previous
    # one left. The request loaded the row before the lock: populate_existing replaces what the
    # session holds. NO KEY UPDATE still lets rows of the workspace be added meanwhile.
    workspace = session.exec(
        select(Workspace)
        .where(Workspace.id == ctx.id, col(Workspace.deleted_at).is_(None))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if workspace is None:
        raise NotFound(f"No workspace '{ctx.workspace.slug}'.")
    role = session.exec(
        select(Membership.role).where(
            Membership.workspace_id == ctx.id, Membership.user_id == ctx.user_id
        )
    ).first()
    if role != Role.admin:
        now = f"you are now {Role(role).value}" if role else "you are no longer a member"
        raise Conflict(
            f"Your role changed while this change was on its way ({now}); only an admin can "
            "manage the workspace.",
            code="role_changed",
        )
    return workspace


def update_workspace(
    *, session: Session, ctx: WorkspaceContext, payload: WorkspaceUpdate
) -> Workspace:
    """Rename or describe a workspace."""
    workspace = lock_workspace(session=session, ctx=ctx)

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


def _locked_membership(session: Session, ctx: WorkspaceContext, user_id: int) -> Membership:
    """The member's row, locked and read afresh (after the workspace's lock)."""
    membership = session.exec(
        select(Membership)
        .where(Membership.workspace_id == ctx.id, Membership.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if membership is None:
        raise NotFound(f"User {user_id} is not a member of this workspace.")
    return membership


def _keep_an_admin(session: Session, ctx: WorkspaceContext, membership: Membership) -> None:
    """Refuse to demote or remove the workspace's last admin (under the workspace's lock)."""
    if membership.role != Role.admin:
        return
    admins = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == ctx.id, Membership.role == Role.admin)
    ).one()
    if admins <= 1:
        who = "You are" if membership.user_id == ctx.user_id else "This member is"
        raise Conflict(
            f"{who} the workspace's last admin, and a workspace needs one; "
            "make someone else admin first.",
            code="last_admin",
        )


def member_read(membership: Membership, user: User) -> MemberRead:
    """A member as the API shows them."""
    return MemberRead(
        user=UserRead.model_validate(user, from_attributes=True),
        role=membership.role,
        created_at=membership.created_at,
        version=membership.version,
    )


def add_member(
    *, session: Session, ctx: WorkspaceContext, email: str, role: Role
) -> Membership | None:
    """Give the user with this email a role in the workspace; None when no account has it.

    Callers answer both cases alike (see `access_message`), so adding members cannot be used
    to find out which emails have an account.
    """
    lock_workspace(session=session, ctx=ctx)
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


def member_of(session: Session, ctx: WorkspaceContext, user_id: int) -> tuple[Membership, User]:
    """A member's row and account, as they are now."""
    membership = session.exec(
        select(Membership)
        .where(Membership.workspace_id == ctx.id, Membership.user_id == user_id)
        .execution_options(populate_existing=True)
    ).first()
    user = session.get(User, user_id)
    if membership is None or user is None:
        raise NotFound(f"User {user_id} is not a member of this workspace.")
    return membership, user


def change_role(
    *, session: Session, ctx: WorkspaceContext, user_id: int, role: Role, version: int
) -> tuple[Membership, User]:
    """Change a member's role, made against this version; the last admin cannot step down."""
    lock_workspace(session=session, ctx=ctx)
    membership = _locked_membership(session, ctx, user_id)
    user = session.get(User, user_id)
    assert user is not None

    def current() -> dict[str, Any]:
        return member_read(membership, user).model_dump(mode="json")

    check_version(membership, version, current)
    if role != Role.admin:
        _keep_an_admin(session, ctx, membership)
    update_row(session, ctx, membership, {"role": role}, version=version, current=current)
    return membership, user


def remove_member(*, session: Session, ctx: WorkspaceContext, user_id: int) -> None:
    """Remove a member (or yourself); the last admin cannot be removed."""
    lock_workspace(session=session, ctx=ctx)
    membership = _locked_membership(session, ctx, user_id)
    _keep_an_admin(session, ctx, membership)
    record_change(session, ctx, "delete", membership, before=snapshot(membership), after=None)
    session.delete(membership)
    session.flush()


def update_scoring_settings(
    *, session: Session, ctx: WorkspaceContext, payload: ScoringSettingsUpdate
) -> ScoringSettings:
    """Change the workspace's thresholds; every problem's card follows at commit."""
    workspace = lock_workspace(session=session, ctx=ctx)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    current = ScoringSettings.of(workspace).model_dump
    update_row(session, ctx, workspace, changes, version=payload.version, current=current)
    return ScoringSettings.of(workspace)


def ensure_member(
    *, session: Session, ctx: WorkspaceContext, user_id: int | None, field: str
) -> None:
    """Check that a user named in `field` (an owner, an interviewer) is a member: 422 if not."""
    if user_id is None:
        return
    member = session.exec(
        select(Membership.user_id).where(
            Membership.workspace_id == ctx.id, Membership.user_id == user_id
        )
    ).first()
    if member is None:
        raise InvalidInput(
            f"{field}: user {user_id} is not a member of this workspace.",
            details=[{"field": field, "message": "not a member of this workspace"}],
        )


def update_signup_settings(
    *, session: Session, ctx: WorkspaceContext, payload: SignupSettingsUpdate
) -> SignupSettings:
    """Let people with an email at one domain join without an invitation (or stop it)."""
    workspace = lock_workspace(session=session, ctx=ctx)
    changes = payload.model_dump(exclude={"version"})
    current = SignupSettings.model_validate(workspace, from_attributes=True).model_dump
    update_row(session, ctx, workspace, changes, version=payload.version, current=current)
    return SignupSettings.model_validate(workspace, from_attributes=True)


def former_members(*, session: Session, ctx: WorkspaceContext) -> list[tuple[User, datetime]]:
    """People who were members and are no longer, with when they left, newest first: their
    name stays on what they did (the audit trail keeps their user id)."""
    removals = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.entity == "membership",
            AuditEvent.action == "delete",
        )
        .order_by(col(AuditEvent.at).desc())
    ).all()
    left: dict[int, datetime] = {}
    for event in removals:
        user_id = (event.before or {}).get("user_id")
        if isinstance(user_id, int):
            left.setdefault(user_id, event.at)
    current = set(
        session.exec(select(Membership.user_id).where(Membership.workspace_id == ctx.id)).all()
    )
    people = session.exec(
        select(User).where(col(User.id).in_([uid for uid in left if uid not in current]))
    ).all()
    return sorted(
        ((user, left[user.id or 0]) for user in people), key=lambda pair: pair[1], reverse=True
    )

"""Invitations: an admin invites an email with a role; the link (signed, single use, expiring)
lets its owner set a name and password, or join with the account they have. Sign-up without an
invitation is open only to an email domain a workspace allows, through the same kind of link.

Every answer about an email is the same whether or not it has an account.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.auth.links import new_link_token, verified_link_hash
from app.auth.models import User, UserCreate
from app.auth.service import (
    SignInLimits,
    attempt_sign_in,
    create_user,
    normalise_email,
    unusable_password_hash,
)
from app.config import Settings
from app.db import utcnow
from app.enums import Role
from app.errors import Conflict, NotAuthenticated, NotFound
from app.kit.audit import record, record_change
from app.kit.mail import Delivery, send_mail
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import (
    Invitation,
    InvitationRead,
    InvitationSent,
    Membership,
    Workspace,
)
from app.workspaces.service import lock_workspace

PURPOSE = "invitation"


def invitation_path(token: str) -> str:
    return f"/invitations/{token}"


def _audited(invitation: Invitation) -> dict[str, Any]:
    """The invitation as the audit trail keeps it: never the hash of its token."""
    return InvitationRead.model_validate(invitation, from_attributes=True).model_dump(mode="json")


def _member_with_email(session: Session, workspace_id: int, email: str) -> Membership | None:
    return session.exec(
        select(Membership)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.workspace_id == workspace_id, User.email == email)
    ).first()


def invite(
    *, session: Session, ctx: WorkspaceContext, email: str, role: Role, settings: Settings
) -> tuple[Invitation, str]:
    """Invite an email with a role; an earlier pending invitation of that email is replaced.

    The invitation is made whether or not the email has an account, so the answer tells the
    admin nothing about who has one; the member list shows people once they accepted.
    """
    lock_workspace(session=session, ctx=ctx)
    email = normalise_email(email)
    if member := _member_with_email(session, ctx.id, email):
        raise Conflict(f"{email} is already a member (as {member.role}).", code="already_member")
    now = utcnow()
    for earlier in _pending_for(session, ctx.id, email):
        earlier.revoked_at = now
    token, token_hash = new_link_token(settings.secret_key, PURPOSE)
    invitation = Invitation(
        workspace_id=ctx.id,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=ctx.user_id,
        expires_at=now + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()
    record_change(session, ctx, "invite", invitation, after=_audited(invitation))
    return invitation, token


def _pending_for(session: Session, workspace_id: int, email: str) -> list[Invitation]:
    return list(
        session.exec(
            select(Invitation).where(
                Invitation.workspace_id == workspace_id,
                Invitation.email == email,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
        ).all()
    )


def pending(*, session: Session, ctx: WorkspaceContext) -> list[Invitation]:
    """Invitations not yet accepted or revoked (expired ones too, to resend), newest first."""
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.workspace_id == ctx.id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
            .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
        ).all()
    )


def _pending_one(session: Session, ctx: WorkspaceContext, invitation_id: int) -> Invitation:
    invitation = session.exec(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.workspace_id == ctx.id)
        .with_for_update()
    ).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise NotFound(f"No pending invitation {invitation_id}; it may have been accepted.")
    return invitation


def resend(
    *, session: Session, ctx: WorkspaceContext, invitation_id: int, settings: Settings
) -> tuple[Invitation, str]:
    """A new link for a pending invitation (the old one stops working), with a new deadline."""
    lock_workspace(session=session, ctx=ctx)
    invitation = _pending_one(session, ctx, invitation_id)
    before = _audited(invitation)
    token, invitation.token_hash = new_link_token(settings.secret_key, PURPOSE)
    invitation.expires_at = utcnow() + timedelta(days=settings.invitation_days)
    invitation.updated_at = utcnow()
    session.flush()
    record_change(session, ctx, "resend", invitation, before=before, after=_audited(invitation))
    return invitation, token


def revoke(*, session: Session, ctx: WorkspaceContext, invitation_id: int) -> None:
    """Withdraw a pending invitation: its link stops working."""
    lock_workspace(session=session, ctx=ctx)
    invitation = _pending_one(session, ctx, invitation_id)
    before = _audited(invitation)
    invitation.revoked_at = utcnow()
    session.flush()
    record_change(session, ctx, "revoke", invitation, before=before, after=_audited(invitation))


def deliver(
    *,
    session: Session,
    settings: Settings,
    invitation: Invitation,
    workspace: Workspace,
    inviter: User | None,
    link: str,
) -> Delivery:
    """Email the invitation's link; the invitation notes when it was sent."""
    who = f"{inviter.name} ({inviter.email}) invited you" if inviter else "You asked"
    body = (
        f"{who} to join {workspace.name} on Evident as {invitation.role.value}.\n\n"
        f"Open this link to join:\n{link}\n\n"
        f"It works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. If you did not "
        "expect it, ignore this message.\n"
    )
    subject = f"Join {workspace.name} on Evident"
    delivery = send_mail(
        settings=settings, to=invitation.email, subject=subject, body=body, link=link
    )
    if delivery.sent:
        invitation.sent_at = utcnow()
        session.flush()
    return delivery


# ---- following the link ----------------------------------------------------------------------


def open_invitation(
    *, session: Session, settings: Settings, token: str, now: datetime | None = None
) -> Invitation:
    """The invitation of a link, if it can still be accepted; otherwise 404 saying why."""
    token_hash = verified_link_hash(settings.secret_key, PURPOSE, token)
    invitation = (
        session.exec(select(Invitation).where(Invitation.token_hash == token_hash)).first()
        if token_hash
        else None
    )
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(
            "This invitation link does not work: it was mistyped, withdrawn or replaced by a "
            "newer one. Ask the person who invited you to send it again.",
            code="invitation_invalid",
        )
    if invitation.accepted_at is not None:
        raise NotFound(
            "This invitation was already accepted. Sign in to open the workspace.",
            code="invitation_used",
        )
    if invitation.expires_at <= (now or utcnow()):
        raise NotFound(
            "This invitation has expired. Ask the person who invited you to send it again.",
            code="invitation_expired",
        )
    return invitation


def accepting_account(
    *,
    session: Session,
    invitation: Invitation,
    name: str,
    password: str,
    address: str,
    limits: SignInLimits,
) -> User:
    """Who accepts, when not signed in: the email's account, by its password (counted like a
    sign-in: NotAuthenticated or TooManyRequests, which the caller answers without rolling
    back), or a new account with this name and password (ValidationError when unfit)."""
    if session.exec(select(User.id).where(User.email == invitation.email)).first():
        return attempt_sign_in(
            session=session,
            email=invitation.email,
            password=password,
            address=address,
            limits=limits,
        )
    account = UserCreate(email=invitation.email, name=name, password=password)
    return create_user(
        session=session, email=account.email, password=account.password, name=account.name
    )


def accept(*, session: Session, invitation: Invitation, user: User) -> Workspace:
    """Join the invitation's workspace with its role (audited); the link is used up."""
    assert user.id is not None
    if normalise_email(user.email) != invitation.email:
        raise Conflict(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}. "
            "Sign out, then open the link again.",
            code="invitation_other_email",
        )
    workspace = session.get(Workspace, invitation.workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("The workspace of this invitation no longer exists.")
    now = utcnow()
    invitation.accepted_at, invitation.accepted_by = now, user.id
    if _member_with_email(session, invitation.workspace_id, invitation.email) is None:
        session.add(
            Membership(workspace_id=invitation.workspace_id, user_id=user.id, role=invitation.role)
        )
    session.flush()
    record(
        session=session,
        workspace_id=invitation.workspace_id,
        actor_id=user.id,
        action="accept",
        entity="invitation",
        entity_id=invitation.id,
        after=_audited(invitation),
    )
    join_open_workspaces(session=session, user=user)
    return workspace


# ---- sign-up by email domain -----------------------------------------------------------------


def email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def open_workspaces(*, session: Session, email: str) -> list[Workspace]:
    """Workspaces that let people with this email's domain join without an invitation."""
    return list(
        session.exec(
            select(Workspace)
            .where(
                Workspace.signup_domain == email_domain(email),
                col(Workspace.deleted_at).is_(None),
            )
            .order_by(col(Workspace.id))
        ).all()
    )


def join_open_workspaces(*, session: Session, user: User) -> list[Workspace]:
    """Give a user whose email is proven the default role in every workspace open to its
    domain they are not in yet (audited as their own joining)."""
    assert user.id is not None
    joined = []
    for workspace in open_workspaces(session=session, email=user.email):
        assert workspace.id is not None
        if _member_with_email(session, workspace.id, normalise_email(user.email)):
            continue
        membership = Membership(
            workspace_id=workspace.id, user_id=user.id, role=workspace.signup_role
        )
        session.add(membership)
        session.flush()
        record(
            session=session,
            workspace_id=workspace.id,
            actor_id=user.id,
            action="join",
            entity="membership",
            entity_id=membership.id,
            after={"user_id": user.id, "role": workspace.signup_role.value, "by": "email domain"},
        )
        joined.append(workspace)
    return joined


def request_signup(
    *, session: Session, settings: Settings, email: str
) -> tuple[Invitation, str] | None:
    """A sign-up link for an email whose domain a workspace allows and that has no account;
    None otherwise (the caller answers the same either way)."""
    email = normalise_email(email)
    workspaces = open_workspaces(session=session, email=email)
    if not workspaces or session.exec(select(User.id).where(User.email == email)).first():
        return None
    workspace = workspaces[0]
    assert workspace.id is not None
    token, token_hash = new_link_token(settings.secret_key, PURPOSE)
    invitation = Invitation(
        workspace_id=workspace.id,
        email=email,
        role=workspace.signup_role,
        token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def send_invitation(
    *,
    session: Session,
    settings: Settings,
    ctx: WorkspaceContext,
    invitation: Invitation,
    link: str,
) -> InvitationSent:
    """Email an invitation made by the admin of `ctx`, and say what became of it: its link is
    given back only when no mail went out, so the admin can pass it on."""
    delivery = deliver(
        session=session,
        settings=settings,
        invitation=invitation,
        workspace=ctx.workspace,
        inviter=ctx.user,
        link=link,
    )
    return InvitationSent.model_validate(
        InvitationRead.model_validate(invitation, from_attributes=True).model_dump()
        | {
            "emailed": delivery.sent,
            "link": None if delivery.sent else link,
            "mail_error": delivery.error,
        }
    )


# ---- single sign-on --------------------------------------------------------------------------


def single_sign_on_account(*, session: Session, claims: dict[str, Any]) -> User:
    """The account of an email the provider vouches for; made on the first visit when the
    email is invited or its domain is open, joining those workspaces (just in time)."""
    email = normalise_email(str(claims.get("email") or ""))
    if not email or claims.get("email_verified") is not True:
        raise NotAuthenticated(
            "The single sign-on provider did not confirm your email address, so Evident cannot "
            "tell which account is yours."
        )
    user = session.exec(select(User).where(User.email == email)).first()
    invited = [
        invitation
        for invitation in session.exec(
            select(Invitation).where(
                Invitation.email == email,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > utcnow(),
            )
        ).all()
    ]
    if user is None:
        if not invited and not open_workspaces(session=session, email=email):
            raise NotAuthenticated(
                f"No Evident account uses {email}. Evident is by invitation: ask your team's "
                "admin to invite you."
            )
        user = User(
            email=email,
            name=str(claims.get("name") or email.split("@")[0])[:200],
            password_hash=unusable_password_hash(),
        )
        session.add(user)
        session.flush()
    if not user.is_active:
        raise NotAuthenticated("This account is disabled.")
    for invitation in invited:
        accept(session=session, invitation=invitation, user=user)
    join_open_workspaces(session=session, user=user)
    return user

"""Workspaces, their members and roles, and their scoring thresholds."""

import re
from datetime import datetime

from pydantic import EmailStr, field_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.auth.models import UserRead
from app.db import EnumText, Timestamped, UTCDateTime
from app.enums import Role
from app.validation import Input, Version

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class Workspace(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    # Scoring thresholds (scoring.md): a problem's kill criteria override them.
    pain_threshold: float = Field(default=60)
    reach_threshold: float = Field(default=20)
    feasibility_threshold: float = Field(default=50)
    min_participants: int = Field(default=5)
    # Sign-up without an invitation, and single sign-on's first visit, for this email domain.
    signup_domain: str = Field(default="", max_length=253)
    signup_role: Role = Field(default=Role.viewer, sa_type=EnumText(Role, 16))


class Membership(Timestamped, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=EnumText(Role, 16))
    version: int = Field(default=1)


class Invitation(Timestamped, table=True):
    """An invitation to join a workspace with a role: its link is single use and expiring, and
    only the hash of its token is kept. `invited_by` is empty for a sign-up by email domain."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320, index=True)
    role: Role = Field(sa_type=EnumText(Role, 16))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvitationCreate(Input):
    email: EmailStr
    role: Role = Role.viewer


class InvitationRead(SQLModel):
    id: int
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    invited_by: int | None


class InvitationSent(InvitationRead):
    """An invitation just made or resent: whether the mail went out, and its link when it did
    not (no mail server, or sending failed) so the admin can pass it on."""

    emailed: bool
    link: str | None = Field(description="Shown only when the invitation was not emailed.")
    mail_error: str | None = None


class InvitationAccept(Input):
    token: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=200)
    password: str = Field(min_length=1, max_length=200)


class SignupSettings(SQLModel):
    """Who may join without an invitation: people with a verified email at this domain."""

    signup_domain: str
    signup_role: Role
    version: int


class SignupSettingsUpdate(Input):
    version: Version
    signup_domain: str = Field(
        max_length=253,
        description="An email domain like `example.com`, or empty for invitations only.",
    )
    signup_role: Role = Role.viewer

    @field_validator("signup_domain", mode="before")
    @classmethod
    def _domain_shape(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower().removeprefix("@")
            if value and not re.fullmatch(DOMAIN_PATTERN, value):
                raise ValueError("enter a domain like example.com, without the @ or a name")
        return value


DOMAIN_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class WorkspaceCreate(Input):
    slug: str = Field(
        min_length=1,
        max_length=64,
        schema_extra={"pattern": SLUG_PATTERN},
        description="The workspace's address: lowercase letters, digits and hyphens.",
    )
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)

    @field_validator("slug", mode="before")
    @classmethod
    def _slug_shape(cls, value: object) -> object:
        # Checked here rather than by the schema's pattern, to answer in words, not a regex.
        if isinstance(value, str) and value and not re.fullmatch(SLUG_PATTERN, value):
            raise ValueError(
                "use lowercase letters, digits and hyphens (up to 64), "
                "not starting or ending with a hyphen"
            )
        return value


class WorkspaceUpdate(Input):
    version: Version
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class WorkspaceRead(SQLModel):
    id: int
    slug: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    version: int


class WorkspaceWithRole(WorkspaceRead):
    role: Role


class MemberAdd(Input):
    email: EmailStr
    role: Role = Role.viewer


class MemberAdded(SQLModel):
    """The answer to adding a member: the same whether or not the email has an account."""

    email: str
    role: Role
    message: str


class MemberUpdate(Input):
    version: Version
    role: Role


class MemberRead(SQLModel):
    user: UserRead
    role: Role
    created_at: datetime
    version: int


class MeRead(UserRead):
    workspaces: list[WorkspaceWithRole]


class ScoringSettings(SQLModel):
    """The workspace's scoring thresholds (the kill criteria every problem starts from)."""

    pain_threshold: float
    reach_threshold: float
    feasibility_threshold: float
    min_participants: int
    version: int

    @classmethod
    def of(cls, workspace: Workspace) -> "ScoringSettings":
        return cls(
            pain_threshold=workspace.pain_threshold,
            reach_threshold=workspace.reach_threshold,
            feasibility_threshold=workspace.feasibility_threshold,
            min_participants=workspace.min_participants,
            version=workspace.version,
        )


class ScoringSettingsUpdate(Input):
    version: Version
    pain_threshold: float | None = Field(default=None, ge=0, le=100)
    reach_threshold: float | None = Field(default=None, ge=0, le=100)
    feasibility_threshold: float | None = Field(default=None, ge=0, le=100)
    min_participants: int | None = Field(default=None, ge=1, le=10_000)

"""Read-only share links: one problem's scorecard or one decision's frozen memo, for people
without an account (leadership glancing at a call)."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.db import EnumText, Timestamped, UTCDateTime
from app.validation import Id, Input


class SharedThing(StrEnum):
    scorecard = "scorecard"  # a problem's scorecard as it stands when the link is opened
    memo = "memo"  # a decision's memo, frozen when the decision was taken


class ShareLink(Timestamped, table=True):
    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    kind: SharedThing = Field(sa_type=EnumText(SharedThing, 16))
    # The problem (scorecard) or the decision (memo) shared.
    target_id: int
    title: str = Field(max_length=300, description="What the link shows, as it was named.")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    views: int = Field(default=0)
    last_viewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ShareLinkCreate(Input):
    kind: SharedThing
    target_id: Id
    expires_on: date | None = Field(
        default=None, description="The last day the link works; empty: the default lifetime."
    )


class ShareLinkRead(SQLModel):
    id: int
    kind: SharedThing
    target_id: int
    title: str
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    views: int
    last_viewed_at: datetime | None


class ShareLinkCreated(ShareLinkRead):
    link: str = Field(description="Shown once; only its hash is kept.")

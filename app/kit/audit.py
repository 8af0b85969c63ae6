"""The audit trail: who did what to which row, when, with the row before and after, recorded
in the caller's transaction."""

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, Index
from sqlmodel import Field, Session, SQLModel

from app.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(
        default=None, foreign_key="workspace.id", index=True, ondelete="CASCADE"
    )
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=64)
    entity_id: int | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-ready copy of a row, as it is now."""
    # Enum columns hold plain strings once loaded from the database; that is expected here.
    return None if row is None else row.model_dump(mode="json", warnings=False)


def record(
    *,
    session: Session,
    workspace_id: int | None,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event: who did what to which row, with before and after."""
    event = AuditEvent(
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event


class Actor(Protocol):
    """Who acts, and in which workspace (a WorkspaceContext)."""

    @property
    def id(self) -> int: ...

    @property
    def user_id(self) -> int: ...


AS_IT_IS_NOW: Any = object()


def record_change(
    session: Session,
    ctx: Actor,
    action: str,
    row: SQLModel,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = AS_IT_IS_NOW,
) -> AuditEvent:
    """Audit a change of `row` by the member of `ctx`; `after` defaults to the row as it is now."""
    return record(
        session=session,
        workspace_id=ctx.id,
        actor_id=ctx.user_id,
        action=action,
        entity=str(type(row).__tablename__),
        entity_id=getattr(row, "id", None),
        before=before,
        after=snapshot(row) if after is AS_IT_IS_NOW else after,
    )

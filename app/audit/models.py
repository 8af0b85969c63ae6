"""Audit events: who did what to which row, when, with the row before and after."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

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


class AuditRead(SQLModel):
    id: int
    actor_id: int | None
    action: str
    entity: str
    entity_id: int | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None

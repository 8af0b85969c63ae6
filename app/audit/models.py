"""The audit log as the API reads it (the events themselves are written by app.kit.audit)."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel


class AuditRead(SQLModel):
    id: int
    actor_id: int | None
    actor_name: str | None = Field(
        default=None,
        description="Who acted, by name: kept after they leave the workspace.",
    )
    action: str
    entity: str
    entity_id: int | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None

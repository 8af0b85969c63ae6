"""Record audit events in the caller's transaction."""

from typing import Any

from sqlmodel import Session, SQLModel

from app.audit.models import AuditEvent


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

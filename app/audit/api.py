"""The audit log of a workspace, newest first."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from app.audit.models import AuditRead
from app.auth.models import User
from app.db import SessionDep
from app.kit.audit import AuditEvent
from app.kit.rows import PageDep, paginate
from app.validation import Id
from app.workspaces.deps import WorkspaceDep

router = APIRouter(prefix="/workspaces/{ws}/audit", tags=["audit"])


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
    limit: int
    offset: int


@router.get("", response_model=AuditPage, summary="List audit events")
def list_audit(
    ctx: WorkspaceDep,
    session: SessionDep,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Id | None = None,
    actor_id: Id | None = None,
    since: datetime | None = None,
) -> Any:
    stmt = select(AuditEvent).where(AuditEvent.workspace_id == ctx.id)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    rows, total = paginate(session, stmt, page, order_by=(col(AuditEvent.id).desc(),))
    actor_ids = {row.actor_id for row in rows if row.actor_id is not None}
    names = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(actor_ids))).all())
    items = [
        AuditRead.model_validate(row, from_attributes=True).model_copy(
            update={"actor_name": names.get(row.actor_id or 0)}
        )
        for row in rows
    ]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}

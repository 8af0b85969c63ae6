"""Merging two rows of a workspace: every row pointing at the absorbed one moves to the kept
one, the absorbed row is soft-deleted, and one audit event keeps what moved, so the merge can
be undone (the rows that moved go back, the absorbed row is restored)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from app.db import DomainRow
from app.errors import Conflict, InvalidInput, NotFound
from app.kit.audit import Actor, AuditEvent, record_change, snapshot
from app.kit.duplicates import Suggestion, likely_duplicates
from app.kit.rows import entity_name, get_row, restore, soft_delete

MERGE, UNMERGE = "merge", "unmerge"
# Names read at most per workspace when looking for duplicates.
DUPLICATE_SCAN_MAX = 20_000


@dataclass(frozen=True)
class Link:
    """A column pointing at the merged kind of row. `key` names each pointing row (its id, or
    for a link table the other half of its primary key: `unique` then says the kept row may
    already have the same link, which is dropped rather than doubled)."""

    label: str
    table: Table
    column: str
    key: str = "id"
    unique: bool = False


def counts(session: Session, links: Sequence[Link], row_id: int) -> dict[str, int]:
    """How many rows of each link point at this row (deleted ones included: they move too)."""
    result = {}
    for link in links:
        stmt = select(link.table.c[link.key]).where(link.table.c[link.column] == row_id)
        result[link.label] = len(session.execute(stmt).all())
    return result


def _keys(session: Session, link: Link, row_id: int) -> list[Any]:
    stmt = select(link.table.c[link.key]).where(link.table.c[link.column] == row_id)
    return sorted(session.execute(stmt).scalars().all())


def merge(
    session: Session, ctx: Actor, links: Sequence[Link], *, keep: DomainRow, absorb: DomainRow
) -> AuditEvent:
    """Move every linked row of `absorb` to `keep`, soft-delete `absorb`, and record it all."""
    if keep.id == absorb.id:
        raise InvalidInput("Choose two different rows to merge.")
    if keep.deleted_at is not None or absorb.deleted_at is not None:
        raise Conflict("Restore the deleted one before merging it.", code="deleted")
    moved: dict[str, list[Any]] = {}
    dropped: dict[str, list[Any]] = {}
    for link in links:
        table, column, key = link.table, link.table.c[link.column], link.table.c[link.key]
        keys = _keys(session, link, absorb.id or 0)
        both: list[Any] = []
        if link.unique and keys:
            both = sorted(set(keys) & set(_keys(session, link, keep.id or 0)))
            if both:
                session.execute(delete(table).where(column == absorb.id, key.in_(both)))
        rest = [k for k in keys if k not in set(both)]
        if rest:
            session.execute(update(table).where(column == absorb.id).values({column: keep.id}))
        moved[link.label], dropped[link.label] = rest, both
    session.expire_all()  # rows loaded before the moves hold their old links
    before = snapshot(absorb)
    soft_delete(session, ctx, absorb)
    after = {"into": keep.id, "moved": moved, "dropped": dropped}
    event = record_change(session, ctx, MERGE, absorb, before=before, after=after)
    session.flush()  # its id is the handle of the undo
    return event


def merge_event(session: Session, ctx: Actor, model: type[DomainRow], event_id: int) -> AuditEvent:
    """A merge of two rows of this kind in this workspace, or 404."""
    event = session.exec(
        select_rows(AuditEvent).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.id == event_id,
            AuditEvent.action == MERGE,
            AuditEvent.entity == entity_name(model),
        )
    ).first()
    if event is None:
        raise NotFound(f"No merge {event_id} in this workspace.")
    return event


def undo(
    session: Session,
    ctx: Actor,
    model: type[DomainRow],
    links: Sequence[Link],
    event: AuditEvent,
) -> tuple[DomainRow, DomainRow]:
    """Move the rows a merge moved back to the absorbed row and restore it; (kept, restored)."""
    after = event.after or {}
    absorbed = get_row(session, model, ctx, event.entity_id or 0, include_deleted=True)
    kept = get_row(session, model, ctx, int(after.get("into", 0)), include_deleted=True)
    latest_id = session.exec(
        select_rows(col(AuditEvent.id))
        .where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.entity == entity_name(model),
            AuditEvent.entity_id == absorbed.id,
            col(AuditEvent.action).in_((MERGE, UNMERGE)),
        )
        .order_by(col(AuditEvent.id).desc())
    ).first()
    if absorbed.deleted_at is None or latest_id != event.id:
        raise Conflict("This merge was undone already.", code="already_undone")
    for link in links:
        table, column, key = link.table, link.table.c[link.column], link.table.c[link.key]
        back = list(after.get("moved", {}).get(link.label, []))
        if back:
            session.execute(
                update(table).where(column == kept.id, key.in_(back)).values({column: absorbed.id})
            )
        again = list(after.get("dropped", {}).get(link.label, []))
        if again:
            session.execute(insert(table), [{link.column: absorbed.id, link.key: k} for k in again])
    session.expire_all()
    restore(session, ctx, absorbed)
    record_change(
        session, ctx, UNMERGE, absorbed, before=None, after={"merge": event.id, "from": kept.id}
    )
    return kept, absorbed


def duplicate_suggestions(
    session: Session, model: type[DomainRow], name: Any, *, workspace_id: int
) -> list[Suggestion]:
    """Live rows of a workspace whose `name` column reads like another's."""
    rows = session.exec(
        select_rows(model.id, name)
        .where(model.workspace_id == workspace_id, col(model.deleted_at).is_(None))
        .limit(DUPLICATE_SCAN_MAX)
    ).all()
    return likely_duplicates((row_id or 0, text) for row_id, text in rows)

"""The life of a workspace row, the same for every domain: scoped reads, audited writes,
optimistic concurrency on update, soft delete and restore."""

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, literal
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import DomainRow, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.kit.audit import Actor, record_change, snapshot
from app.validation import MAX_INT

Row = TypeVar("Row", bound=DomainRow)
AnyRow = TypeVar("AnyRow", bound=SQLModel)
# Rows with a version and an update time: workspace rows, and the workspace itself.
Versioned = TypeVar("Versioned", bound=Any)


class Page(BaseModel):
    limit: int
    offset: int


def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=MAX_INT, description="Page size.")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page:
    settings = request.app.state.settings
    size = min(limit or settings.page_size, settings.max_page_size)
    return Page(limit=size, offset=offset)


PageDep = Annotated[Page, Depends(page_params)]


def entity_name(model: type[SQLModel]) -> str:
    return str(model.__tablename__)


def scoped(model: type[Row], ctx: Actor, *, include_deleted: bool = False) -> SelectOfScalar[Row]:
    """A select of the workspace's rows; every query of a domain row starts here."""
    stmt = select(model).where(model.workspace_id == ctx.id)
    if not include_deleted:
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[union-attr]
    return stmt


def paginate(
    session: Session, stmt: SelectOfScalar[AnyRow], page: Page, *, order_by: Any
) -> tuple[list[AnyRow], int]:
    """One page of rows and the total count of the whole selection."""
    # Counted without reading a column: a wide column (an interview's notes) is never read.
    counted = stmt.order_by(None).with_only_columns(literal(1), maintain_column_froms=True)
    total = session.exec(select(func.count()).select_from(counted.subquery())).one()
    rows = session.exec(stmt.order_by(*order_by).limit(page.limit).offset(page.offset)).all()
    return list(rows), int(total)


def where_equal(
    stmt: SelectOfScalar[AnyRow], model: type[AnyRow], filters: BaseModel, names: Iterable[str]
) -> SelectOfScalar[AnyRow]:
    """Keep the rows whose column equals each of these filters that was given."""
    for name in names:
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def get_row(
    session: Session,
    model: type[Row],
    ctx: Actor,
    row_id: int,
    *,
    include_deleted: bool = False,
) -> Row:
    """The row with this id in the workspace, or 404."""
    row = session.exec(
        scoped(model, ctx, include_deleted=include_deleted).where(model.id == row_id)
    ).first()
    if row is None:
        raise NotFound(f"No {entity_name(model).replace('_', ' ')} {row_id} in this workspace.")
    return row


def rows_by_id(
    session: Session, model: type[Row], ctx: Actor, row_ids: Iterable[int]
) -> dict[int, Row]:
    """These rows of the workspace, deleted ones included, by id (for a page's lookups)."""
    ids = set(row_ids)
    if not ids:
        return {}
    stmt = scoped(model, ctx, include_deleted=True).where(col(model.id).in_(ids))
    return {row.id or 0: row for row in session.exec(stmt).all()}


def get_for_update(session: Session, model: type[Row], ctx: Actor, row_id: int) -> Row:
    """Like get_row, but locked (PostgreSQL) so two writers cannot both pass the version check."""
    stmt = scoped(model, ctx).where(model.id == row_id).with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(f"No {entity_name(model).replace('_', ' ')} {row_id} in this workspace.")
    return row


def add_row(session: Session, ctx: Actor, row: Row) -> Row:
    """Insert a row of the workspace and audit it."""
    row.workspace_id = ctx.id
    row.created_by = ctx.user_id
    session.add(row)
    session.flush()
    record_change(session, ctx, "create", row)
    return row


def check_version(row: Any, version: int, current: Callable[[], Any]) -> None:
    """Refuse an edit made against an older version: 409 with the row as it is now."""
    if version != row.version:
        raise Conflict(
            f"Someone else changed this since you loaded it (you sent version {version}, "
            f"it is now {row.version}). Reload, then apply your change again.",
            code="stale_version",
            details={"current": current()},
        )


def refuse_blanking(row: SQLModel, changes: dict[str, Any]) -> None:
    """Refuse a null for a column the row cannot do without: 422, not a database error."""
    columns = type(row).__table__.columns  # type: ignore[attr-defined]
    for field, value in changes.items():
        if value is None and field in columns and not columns[field].nullable:
            raise InvalidInput(
                f"{field}: cannot be empty.", details=[{"field": field, "message": "required"}]
            )


def _audited(
    session: Session, ctx: Actor, row: Versioned, action: str, change: Callable[[], None]
) -> Versioned:
    """Change a row, bump its version and record the audit event with before and after."""
    before = snapshot(row)
    change()
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    record_change(session, ctx, action, row, before=before)
    return row


def update_row(
    session: Session,
    ctx: Actor,
    row: Versioned,
    changes: dict[str, Any],
    *,
    version: int,
    current: Callable[[], Any],
) -> Versioned:
    """Apply changes to a row after the version check; bump its version; audit it."""
    refuse_blanking(row, changes)
    check_version(row, version, current)

    def apply() -> None:
        for field, value in changes.items():
            setattr(row, field, value)

    return _audited(session, ctx, row, "update", apply)


def soft_delete(session: Session, ctx: Actor, row: Row) -> Row:
    """Mark a row deleted; it keeps every link and can be restored."""
    return _audited(session, ctx, row, "delete", lambda: setattr(row, "deleted_at", utcnow()))


def restore(session: Session, ctx: Actor, row: Row) -> Row:
    """Bring back a soft-deleted row."""
    if row.deleted_at is None:
        return row
    return _audited(session, ctx, row, "restore", lambda: setattr(row, "deleted_at", None))


def ensure_in_workspace(
    session: Session, model: type[Row], ctx: Actor, row_id: int | None, field: str
) -> Row | None:
    """Check a reference to another row: it must exist, live and belong to this workspace."""
    if row_id is None:
        return None
    row = session.exec(scoped(model, ctx).where(model.id == row_id)).first()
    if row is None:
        raise _missing(model, row_id, field)
    return row


def ensure_all_in_workspace(
    session: Session, model: type[Row], ctx: Actor, refs: Sequence[tuple[str, int]]
) -> None:
    """Check many references (field path, id) to one kind of row in a single query."""
    if not refs:
        return
    wanted = {row_id for _, row_id in refs}
    found = set(
        session.exec(
            select(model.id)
            .where(col(model.id).in_(wanted))
            .where(model.workspace_id == ctx.id, col(model.deleted_at).is_(None))
        ).all()
    )
    for field, row_id in refs:
        if row_id not in found:
            raise _missing(model, row_id, field)


def _missing(model: type[SQLModel], row_id: int, field: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: no {entity_name(model).replace('_', ' ')} {row_id} in this workspace.",
        details=[{"field": field, "message": "not found in this workspace"}],
    )

"""The JSON routes every workspace collection shares, built from one spec per collection.

Nine collections (segments, participants, problems, ...) answer the same six routes; a spec
names the schemas, the filters and the domain's service functions, so the routes stay thin and
every collection behaves the same way: list with filters and a total, create, read, update
with the current version, soft delete and restore.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, create_model
from sqlmodel import Session, SQLModel
from sqlmodel.sql.expression import SelectOfScalar

from app.db import SessionDep
from app.enums import Role
from app.errors import error_response
from app.kit.audit import Actor
from app.kit.rows import (
    PageDep,
    Row,
    get_for_update,
    get_row,
    paginate,
    restore,
    scoped,
    soft_delete,
    update_row,
)
from app.validation import Id

# The scope is whatever Access.member gives (a WorkspaceContext): the kit only passes it on.
ToReads = Callable[[Session, Any, Sequence[Any]], list[Any]]


class NoFilters(BaseModel):
    pass


def _no_filter(stmt: SelectOfScalar[Any], filters: BaseModel, ctx: Actor) -> SelectOfScalar[Any]:
    return stmt


@dataclass(frozen=True)
class Access:
    """How a collection's routes find who is asking in which workspace: `member` is the
    dependency every route takes, `role(r)` the one that writes need."""

    member: Callable[..., Any]
    role: Callable[[Role], Callable[..., Any]]


@dataclass(frozen=True)
class CollectionSpec(Generic[Row]):
    path: str
    model: type[Row]
    read_schema: type[SQLModel]
    create_schema: type[SQLModel]
    update_schema: type[SQLModel]
    create: Callable[..., Row]
    update: Callable[..., Row] | None = None
    to_reads: ToReads | None = None
    # How one row is read (create, update, delete answers) when it differs from a list's rows.
    read_one: Callable[[Session, Any, Any], Any] | None = None
    filters: type[BaseModel] = NoFilters
    apply_filters: Callable[[SelectOfScalar[Any], Any, Any], SelectOfScalar[Any]] = _no_filter
    order_by: Callable[[], Sequence[Any]] | None = None
    write_role: Role = Role.contributor
    allow_delete: bool = True
    # False when the domain serves GET /{row_id} itself (with options of its own).
    read_route: bool = True
    summary_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.summary_name or self.path.rstrip("s")


def default_update(
    *, session: Session, ctx: Actor, row: Any, payload: Any, current: Callable[[], Any]
) -> Any:
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def collection_router(spec: CollectionSpec[Any], access: Access) -> APIRouter:
    """The six routes of one collection under /workspaces/{ws}/<path>."""
    router = APIRouter(prefix=f"/workspaces/{{ws}}/{spec.path}", tags=[spec.path])
    Read = spec.read_schema
    Create = spec.create_schema
    Update = spec.update_schema
    Filters = spec.filters
    member = Depends(access.member)
    writer = Depends(access.role(spec.write_role))
    ListPage = create_model(
        f"{Read.__name__}Page",
        items=(list[Read], ...),  # type: ignore[valid-type]
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )

    def reads(session: Session, ctx: Actor, rows: Sequence[Any]) -> list[Any]:
        if spec.to_reads is not None:
            return spec.to_reads(session, ctx, rows)
        return [Read.model_validate(row, from_attributes=True) for row in rows]

    def one(session: Session, ctx: Actor, row: Any) -> Any:
        if spec.read_one is not None:
            return spec.read_one(session, ctx, row)
        return reads(session, ctx, [row])[0]

    order_by = spec.order_by or (lambda: (spec.model.id,))

    @router.get("", response_model=ListPage, summary=f"List {spec.path}")
    def list_rows(
        ctx: Annotated[Actor, member],
        session: SessionDep,
        page: PageDep,
        filters: Annotated[Filters, Query()],  # type: ignore[valid-type]
        include_deleted: Annotated[
            bool, Query(description="Only deleted rows, to restore them.")
        ] = False,
    ) -> Any:
        stmt = scoped(spec.model, ctx, include_deleted=include_deleted)
        if include_deleted:
            stmt = stmt.where(spec.model.deleted_at.is_not(None))
        stmt = spec.apply_filters(stmt, filters, ctx)
        rows, total = paginate(session, stmt, page, order_by=order_by())
        return {
            "items": reads(session, ctx, rows),
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
        }

    @router.post("", response_model=Read, status_code=201, summary=f"Create a {spec.label}")
    def create_row(
        ctx: Annotated[Actor, writer],
        session: SessionDep,
        payload: Create,  # type: ignore[valid-type]
    ) -> Any:
        row = spec.create(session=session, ctx=ctx, payload=payload)
        return one(session, ctx, row)

    if spec.read_route:

        @router.get("/{row_id}", response_model=Read, summary=f"Get a {spec.label}")
        def read_row(ctx: Annotated[Actor, member], session: SessionDep, row_id: Id) -> Any:
            row = get_row(session, spec.model, ctx, row_id, include_deleted=True)
            return one(session, ctx, row)

    @router.patch(
        "/{row_id}",
        response_model=Read,
        summary=f"Update a {spec.label}",
        responses={
            409: error_response("Stale version; `details.current` holds the row as it is now.")
        },
    )
    def patch_row(
        ctx: Annotated[Actor, writer],
        session: SessionDep,
        row_id: Id,
        payload: Update,  # type: ignore[valid-type]
    ) -> Any:
        row = get_for_update(session, spec.model, ctx, row_id)
        current = lambda: one(session, ctx, row).model_dump(mode="json")  # noqa: E731
        update = spec.update or default_update
        row = update(session=session, ctx=ctx, row=row, payload=payload, current=current)
        return one(session, ctx, row)

    if spec.allow_delete:

        @router.delete("/{row_id}", response_model=Read, summary=f"Delete a {spec.label} (soft)")
        def delete_row(ctx: Annotated[Actor, writer], session: SessionDep, row_id: Id) -> Any:
            row = soft_delete(session, ctx, get_for_update(session, spec.model, ctx, row_id))
            return one(session, ctx, row)

        @router.post(
            "/{row_id}/restore", response_model=Read, summary=f"Restore a deleted {spec.label}"
        )
        def restore_row(ctx: Annotated[Actor, writer], session: SessionDep, row_id: Id) -> Any:
            row = restore(
                session, ctx, get_row(session, spec.model, ctx, row_id, include_deleted=True)
            )
            return one(session, ctx, row)

    return router

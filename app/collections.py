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
from app.rows import (
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
from app.scoring import store
from app.validation import Id
from app.workspaces.deps import WorkspaceContext, WorkspaceDep, require_role

ToReads = Callable[[Session, WorkspaceContext, Sequence[Any]], list[Any]]


class NoFilters(BaseModel):
    pass


def _no_filter(
    stmt: SelectOfScalar[Any], filters: BaseModel, ctx: WorkspaceContext
) -> SelectOfScalar[Any]:
    return stmt


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
    filters: type[BaseModel] = NoFilters
    apply_filters: Callable[[SelectOfScalar[Any], Any, WorkspaceContext], SelectOfScalar[Any]] = (
        _no_filter
    )
    order_by: Callable[[], Sequence[Any]] | None = None
    write_role: Role = Role.contributor
    allow_delete: bool = True
    summary_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.summary_name or self.path.rstrip("s")


def default_update(
    *, session: Session, ctx: WorkspaceContext, row: Any, payload: Any, current: Callable[[], Any]
) -> Any:
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def collection_router(spec: CollectionSpec[Any]) -> APIRouter:
    """The six routes of one collection under /workspaces/{ws}/<path>."""
    router = APIRouter(prefix=f"/workspaces/{{ws}}/{spec.path}", tags=[spec.path])
    Read = spec.read_schema
    Create = spec.create_schema
    Update = spec.update_schema
    Filters = spec.filters
    writer = Depends(require_role(spec.write_role))
    ListPage = create_model(
        f"{Read.__name__}Page",
        items=(list[Read], ...),  # type: ignore[valid-type]
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )

    def reads(session: Session, ctx: WorkspaceContext, rows: Sequence[Any]) -> list[Any]:
        if spec.to_reads is not None:
            return spec.to_reads(session, ctx, rows)
        return [Read.model_validate(row, from_attributes=True) for row in rows]

    def one(session: Session, ctx: WorkspaceContext, row: Any) -> Any:
        return reads(session, ctx, [row])[0]

    def written(session: Session, ctx: WorkspaceContext, row: Any) -> Any:
        # Every collection's rows can move a scorecard: refresh it in the same transaction.
        store.refresh_after_write(session, ctx, row)
        return one(session, ctx, row)

    order_by = spec.order_by or (lambda: (spec.model.id,))

    @router.get("", response_model=ListPage, summary=f"List {spec.path}")
    def list_rows(
        ctx: WorkspaceDep,
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
        ctx: Annotated[WorkspaceContext, writer],
        session: SessionDep,
        payload: Create,  # type: ignore[valid-type]
    ) -> Any:
        row = spec.create(session=session, ctx=ctx, payload=payload)
        return written(session, ctx, row)

    @router.get("/{row_id}", response_model=Read, summary=f"Get a {spec.label}")
    def read_row(ctx: WorkspaceDep, session: SessionDep, row_id: Id) -> Any:
        return one(session, ctx, get_row(session, spec.model, ctx, row_id, include_deleted=True))

    @router.patch(
        "/{row_id}",
        response_model=Read,
        summary=f"Update a {spec.label}",
        responses={
            409: error_response("Stale version; `details.current` holds the row as it is now.")
        },
    )
    def patch_row(
        ctx: Annotated[WorkspaceContext, writer],
        session: SessionDep,
        row_id: Id,
        payload: Update,  # type: ignore[valid-type]
    ) -> Any:
        row = get_for_update(session, spec.model, ctx, row_id)
        current = lambda: one(session, ctx, row).model_dump(mode="json")  # noqa: E731
        update = spec.update or default_update
        row = update(session=session, ctx=ctx, row=row, payload=payload, current=current)
        return written(session, ctx, row)

    if spec.allow_delete:

        @router.delete("/{row_id}", response_model=Read, summary=f"Delete a {spec.label} (soft)")
        def delete_row(
            ctx: Annotated[WorkspaceContext, writer], session: SessionDep, row_id: Id
        ) -> Any:
            row = soft_delete(session, ctx, get_for_update(session, spec.model, ctx, row_id))
            return written(session, ctx, row)

        @router.post(
            "/{row_id}/restore", response_model=Read, summary=f"Restore a deleted {spec.label}"
        )
        def restore_row(
            ctx: Annotated[WorkspaceContext, writer], session: SessionDep, row_id: Id
        ) -> Any:
            row = restore(
                session, ctx, get_row(session, spec.model, ctx, row_id, include_deleted=True)
            )
            return written(session, ctx, row)

    return router

"""The import page: upload a CSV of highlights, preview it, import it with a progress bar; and
the export links.

The uploaded file and the import's progress are kept in `csv_import_run`, never in a process:
the import runs in a background thread with its own sessions (one transaction per batch), and
whichever worker answers the progress bar's polls reads the progress from the database.
"""

import logging
import threading
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from app.auth.models import User
from app.dataio import csv_import
from app.dataio.models import CsvImportRun
from app.db import SessionDep, utcnow
from app.enums import Role
from app.errors import AppError, Conflict, FormError, InvalidInput, NotFound
from app.validation import Id
from app.web import FormDep, hx_redirect, is_htmx, page_router, render
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep
from app.workspaces.models import Workspace

router = page_router()
log = logging.getLogger("evident")

CSV_TABLES = [
    ("problems", "Problems with their scores"),
    ("interviews", "Interviews"),
    ("evidence", "Evidence (every highlight)"),
]
# A run that has not moved for this long lost its worker (a restart): it may be resumed, and
# the rows it already wrote are skipped on the second pass.
STALLED_AFTER = timedelta(minutes=5)
RECENT_RUNS = 5


def _run_of(session: Session, ctx: WorkspaceContext, run_id: int) -> CsvImportRun:
    run = session.get(CsvImportRun, run_id)
    if run is None or run.workspace_id != ctx.id:
        raise NotFound(f"Import {run_id} not found in this workspace.")
    return run


def _stalled(run: CsvImportRun) -> bool:
    return run.status == "running" and utcnow() - run.updated_at > STALLED_AFTER


def _page_context(session: Session, ctx: WorkspaceContext) -> dict[str, Any]:
    recent = session.exec(
        select(CsvImportRun)
        .where(CsvImportRun.workspace_id == ctx.id)
        .order_by(col(CsvImportRun.id).desc())
        .limit(RECENT_RUNS)
    ).all()
    return {"ctx": ctx, "nav": "import", "csv_tables": CSV_TABLES, "recent": recent}


@router.get("/w/{ws}/import")
def import_page(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    """The upload form (contributors), the latest imports and the export links."""
    context = _page_context(session, ctx) | {"errors": {}, "columns": csv_import.COLUMNS}
    return render(request, "dataio/import.html", context)


@router.post("/w/{ws}/import")
def upload(request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep) -> Response:
    """Check the uploaded file; keep it for the preview when it can be read at all."""
    upload = form.get("file")
    errors: dict[str, str] = {}
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Choose a CSV file to upload."
    else:
        data = upload.file.read()
        try:
            text = csv_import.decode(data)
            checked = csv_import.check_file(session=session, ctx=ctx, data=data)
        except AppError as exc:
            errors["file"] = exc.message
    if errors:
        context = _page_context(session, ctx) | {"errors": errors, "columns": csv_import.COLUMNS}
        raise FormError(render(request, "dataio/import.html", context, status=422))
    assert isinstance(upload, UploadFile)
    run = CsvImportRun(
        workspace_id=ctx.id,
        created_by=ctx.user_id,
        filename=(upload.filename or "upload.csv")[:200],
        content=text,
        total_rows=checked.total,
        good_rows=len(checked.rows),
        bad_rows=len(checked.errors),
    )
    session.add(run)
    session.flush()
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")


@router.get("/w/{ws}/import/{run_id}")
def run_page(request: Request, ctx: WorkspaceDep, session: SessionDep, run_id: Id) -> Response:
    """A file's preview (column mapping, first rows, every bad row), or its import's progress."""
    run = _run_of(session, ctx, run_id)
    context: dict[str, Any] = {"ctx": ctx, "nav": "import", "run": run, "stalled": _stalled(run)}
    if run.status in ("checked", "failed") or _stalled(run):
        checked = csv_import.check_file(session=session, ctx=ctx, data=run.content.encode())
        context |= {
            "checked": checked,
            "preview": checked.rows[: csv_import.PREVIEW_ROWS],
        }
    return render(request, "dataio/run.html", context)


@router.get("/w/{ws}/import/{run_id}/progress")
def progress(request: Request, ctx: WorkspaceDep, session: SessionDep, run_id: Id) -> Response:
    """The progress bar alone, for htmx to poll until the import ends."""
    run = _run_of(session, ctx, run_id)
    context = {"ctx": ctx, "run": run, "stalled": _stalled(run)}
    if not is_htmx(request):
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")
    return render(request, "dataio/run.html", context, block="progress")


@router.post("/w/{ws}/import/{run_id}/start")
def start(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep, run_id: Id
) -> Response:
    """Start (or resume) the import in the background and show its progress."""
    run = _run_of(session, ctx, run_id)
    good_rows_only = form.get("good_rows") == "1"
    if run.bad_rows and not good_rows_only:
        raise InvalidInput(
            f"{run.bad_rows} of {run.total_rows} rows are not valid, so nothing was imported. "
            "Fix them, or choose to import the good rows only."
        )
    # One start per run, whichever worker gets the click: the row changes state only once.
    claimed = session.execute(
        update(CsvImportRun)
        .where(
            col(CsvImportRun.id) == run.id,
            or_(
                col(CsvImportRun.status).in_(("checked", "failed")),
                (col(CsvImportRun.status) == "running")
                & (col(CsvImportRun.updated_at) < utcnow() - STALLED_AFTER),
            ),
        )
        .values(
            status="running",
            good_rows_only=good_rows_only,
            processed_rows=0,
            message="",
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This import has already started.")
    # The import writes on its own connections: end this transaction first (SQLite's write
    # lock would make them wait for it).
    session.commit()
    start_import(request.app.state.engine, run.id or 0)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")


def start_import(engine: Engine, run_id: int) -> None:
    """Run an import in a background thread of this process."""
    threading.Thread(
        target=run_import, args=(engine, run_id), name=f"csv-import-{run_id}", daemon=True
    ).start()


def run_import(engine: Engine, run_id: int) -> None:
    """Import a run's file, noting the progress after every batch and the outcome at the end."""

    def note(**values: Any) -> None:
        with csv_import.writing(engine) as session:
            session.execute(
                update(CsvImportRun)
                .where(col(CsvImportRun.id) == run_id)
                .values(updated_at=utcnow(), **values)
            )

    def advance(rows: int) -> None:
        note(processed_rows=col(CsvImportRun.processed_rows) + rows)

    try:
        with Session(engine, expire_on_commit=False) as session:
            run = session.get(CsvImportRun, run_id)
            assert run is not None
            workspace = session.get(Workspace, run.workspace_id)
            user = session.get(User, run.created_by)
            assert workspace is not None and user is not None
            # The role was checked when the import was started.
            ctx = WorkspaceContext(workspace=workspace, user=user, role=Role.contributor)
            checked = csv_import.check_file(session=session, ctx=ctx, data=run.content.encode())
            source, good_rows_only = run.filename, run.good_rows_only
        report = csv_import.import_rows(
            engine=engine,
            ctx=ctx,
            checked=checked,
            source=source,
            good_rows=good_rows_only,
            progress=advance,
        )
        note(
            status="done",
            imported=report.imported,
            already_imported=report.already_imported,
            message=(
                f"{report.participants_created} participants, {report.segments_created} "
                f"segments and {report.interviews_created} interviews created."
            ),
        )
    except Exception as exc:  # the page must learn that it stopped, whatever stopped it
        log.exception("CSV import %s failed", run_id)
        message = exc.message if isinstance(exc, AppError) else "The import stopped on an error."
        note(status="failed", message=message[:1000])

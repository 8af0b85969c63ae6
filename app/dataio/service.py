"""Import runs started from the import page: the uploaded file and the import's progress are
kept in `csv_import_run`, never in a process. The import runs in a background thread with its
own sessions (one transaction per batch), and whichever worker answers the progress bar's polls
reads the progress from the database.
"""

import logging
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from app.auth.models import User
from app.dataio import csv_import
from app.dataio.models import CsvImportRun
from app.db import utcnow
from app.enums import Role
from app.errors import AppError, Conflict, NotFound
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Workspace

log = logging.getLogger("evident")

# A run that has not moved for this long lost its worker (a restart): it may be resumed, and
# the rows it already wrote are skipped on the second pass.
STALLED_AFTER = timedelta(minutes=5)

RECENT_RUNS = 5


def run_of(*, session: Session, ctx: WorkspaceContext, run_id: int) -> CsvImportRun:
    """An import run of the workspace, or 404."""
    run = session.get(CsvImportRun, run_id)
    if run is None or run.workspace_id != ctx.id:
        raise NotFound(f"Import {run_id} not found in this workspace.")
    return run


def stalled(run: CsvImportRun) -> bool:
    """A running import that has not moved for a while lost its worker (a restart)."""
    return run.status == "running" and utcnow() - run.updated_at > STALLED_AFTER


def claim_run(*, session: Session, run: CsvImportRun, good_rows_only: bool) -> None:
    """Mark a checked (or stalled) run as running: one start per run, whichever worker gets
    the click, since the row changes state only once."""
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


def recent_runs(*, session: Session, ctx: WorkspaceContext) -> list[CsvImportRun]:
    """The workspace's latest import runs, newest first."""
    return list(
        session.exec(
            select(CsvImportRun)
            .where(CsvImportRun.workspace_id == ctx.id)
            .order_by(col(CsvImportRun.id).desc())
            .limit(RECENT_RUNS)
        ).all()
    )


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
            checked = csv_import.check_file(
                session=session,
                ctx=ctx,
                data=run.content.encode(),
                create_problems=run.create_problems,
            )
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
            # Its rows are in the workspace now. The file's text is not kept: it names people,
            # and erasing one must not leave them in an old upload.
            content="",
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

"""The import page: upload a CSV of highlights, preview it, import it with a progress bar
(see service.py for how a run goes on in the background); and the export links."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.dataio import csv_import, service
from app.dataio.models import CsvImportRun
from app.db import SessionDep
from app.errors import AppError, FormError, InvalidInput
from app.research.service import segment_sizes_note
from app.validation import Id
from app.web import FormDep, hx_redirect, is_htmx, page_router, render
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

CSV_TABLES = [
    ("problems", "Problems with their scores"),
    ("interviews", "Interviews"),
    ("evidence", "Evidence (every highlight)"),
]


def _page_context(session: Session, ctx: WorkspaceContext) -> dict[str, Any]:
    recent = service.recent_runs(session=session, ctx=ctx)
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
        create_problems = form.get("create_problems") == "1"
        checked: csv_import.CheckedFile | None = None
        try:
            text = csv_import.decode(data)
            checked = csv_import.check_file(
                session=session, ctx=ctx, data=data, create_problems=create_problems
            )
        except AppError as exc:
            # Headers it does not know: the preview asks which column holds what.
            if exc.code != "missing_columns" or not csv_import.read_header(data):
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
        create_problems=create_problems,
    )
    _count(run, checked)
    session.add(run)
    session.flush()
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")


@router.get("/w/{ws}/import/{run_id}")
def run_page(request: Request, ctx: WorkspaceDep, session: SessionDep, run_id: Id) -> Response:
    """A file's preview (column mapping, first rows, every bad row), or its import's progress."""
    run = service.run_of(session=session, ctx=ctx, run_id=run_id)
    context: dict[str, Any] = {
        "ctx": ctx,
        "nav": "import",
        "run": run,
        "stalled": service.stalled(run),
        "sizes_note": _sizes_note(session, ctx),
    }
    if run.status in ("checked", "failed") or service.stalled(run):
        data = run.content.encode()
        try:
            checked = csv_import.check_file(
                session=session, ctx=ctx, data=data, create_problems=run.create_problems
            )
        except InvalidInput as exc:
            if exc.code != "missing_columns":
                raise
            header = csv_import.read_header(data)
            known = csv_import.known_columns(header, session=session, ctx=ctx)
            context |= {
                "mapping_step": exc.message,
                "header": header,
                "known": known,
                "fields": list(csv_import.COLUMNS),
                "required": csv_import.REQUIRED,
            }
            return render(request, "dataio/run.html", context)
        context |= {
            "checked": checked,
            "preview": checked.rows[: csv_import.PREVIEW_ROWS],
        }
    return render(request, "dataio/run.html", context)


def _sizes_note(session: SessionDep, ctx: WorkspaceDep) -> str | None:
    """An import may create segments it cannot size: say what that does to reach."""
    return segment_sizes_note(session, ctx)


def _count(run: CsvImportRun, checked: csv_import.CheckedFile | None) -> None:
    run.total_rows = checked.total if checked else 0
    run.good_rows = len(checked.rows) if checked else 0
    run.bad_rows = len(checked.errors) if checked else 0


def _recheck(session: Session, ctx: WorkspaceContext, run: CsvImportRun) -> None:
    """Count the rows again after a choice that changes them (a mapping, creating problems)."""
    try:
        checked = csv_import.check_file(
            session=session, ctx=ctx, data=run.content.encode(), create_problems=run.create_problems
        )
    except InvalidInput:
        checked = None
    _count(run, checked)
    session.add(run)


@router.post("/w/{ws}/import/{run_id}/columns")
def map_columns(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep, run_id: Id
) -> Response:
    """Say which column holds which field; the workspace keeps it for its next files."""
    run = service.run_of(session=session, ctx=ctx, run_id=run_id)
    header = csv_import.read_header(run.content.encode())
    choices = {name: str(form.get(f"column_{i}") or "") for i, name in enumerate(header)}
    csv_import.remember_mapping(session, ctx, choices)
    _recheck(session, ctx, run)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")


@router.post("/w/{ws}/import/{run_id}/create-problems")
def create_problems(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep, run_id: Id
) -> Response:
    """Choose to create (or not) the problems the file names and the workspace lacks."""
    run = service.run_of(session=session, ctx=ctx, run_id=run_id)
    if run.status != "checked":
        raise InvalidInput("This import has started: its choices are made.")
    run.create_problems = form.get("create") == "1"
    _recheck(session, ctx, run)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")


@router.get("/w/{ws}/import/{run_id}/progress")
def progress(request: Request, ctx: WorkspaceDep, session: SessionDep, run_id: Id) -> Response:
    """The progress bar alone, for htmx to poll until the import ends."""
    run = service.run_of(session=session, ctx=ctx, run_id=run_id)
    context = {
        "ctx": ctx,
        "run": run,
        "stalled": service.stalled(run),
        "sizes_note": _sizes_note(session, ctx),
    }
    if not is_htmx(request):
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")
    return render(request, "dataio/run.html", context, block="progress")


@router.post("/w/{ws}/import/{run_id}/start")
def start(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep, run_id: Id
) -> Response:
    """Start (or resume) the import in the background and show its progress."""
    run = service.run_of(session=session, ctx=ctx, run_id=run_id)
    good_rows_only = form.get("good_rows") == "1"
    if run.bad_rows and not good_rows_only:
        raise InvalidInput(
            f"{run.bad_rows} of {run.total_rows} rows are not valid, so nothing was imported. "
            "Fix them, or choose to import the good rows only."
        )
    service.claim_run(session=session, run=run, good_rows_only=good_rows_only)
    # The import writes on its own connections: end this transaction first (SQLite's write
    # lock would make them wait for it).
    session.commit()
    service.start_import(request.app.state.engine, run.id or 0)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/import/{run.id}")

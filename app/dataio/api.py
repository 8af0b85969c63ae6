"""JSON routes of data in and out: workspace export and import, personal data, CSV import."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from app.auth.deps import CurrentUser
from app.dataio import csv_export, csv_import, export, participants, refi
from app.db import SessionDep
from app.errors import error_response
from app.kit.rows import get_row
from app.research.models import Participant, ParticipantRead
from app.validation import Id
from app.workspaces.deps import AdminDep, ContributorDep, WorkspaceDep
from app.workspaces.models import WorkspaceRead

router = APIRouter(tags=["data in and out"])
CsvTable = Literal["problems", "interviews", "evidence"]


@router.get(
    "/workspaces/{ws}/export",
    summary="Export the whole workspace as one JSON document",
    description="Every row, soft-deleted ones and the audit log included; admins only.",
)
def export_workspace(request: Request, ctx: AdminDep) -> Any:
    # Streamed from a connection of its own: the request's session ends before sending starts.
    chunks = export.stream_workspace(request.app.state.engine, ctx.id)
    filename = f"evident-{ctx.workspace.slug}.json"
    return StreamingResponse(
        chunks,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/workspaces/{ws}/export/{table}.csv",
    summary="Export problems (with scores), interviews or evidence as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_table_csv(
    request: Request, ctx: WorkspaceDep, session: SessionDep, table: CsvTable
) -> Any:
    # Stored before sending: the stream reads on a connection of its own.
    csv_export.prepare_csv(session=session, ctx=ctx, table=table)
    chunks = csv_export.stream_csv(request.app.state.engine, ctx.id, table)
    filename = f"evident-{ctx.workspace.slug}-{table}.csv"
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/workspaces/{ws}/export/project.qdpx",
    summary="Export interviews, highlights and problems as a REFI-QDA project",
    description="A zip of `project.qde` and `sources/*.txt`: each interview is a text source "
    "(its notes), each highlight placed in the notes a selection at its character offsets, "
    "coded with its problem; problems are the codes. Opens in qualitative-analysis tools that "
    "read the REFI-QDA standard.",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_qdpx(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return Response(
        refi.project(session=session, ctx=ctx),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="evident-{ctx.workspace.slug}.qdpx"'
        },
    )


@router.get(
    "/workspaces/{ws}/export/codebook.qdc",
    summary="Export the problems as a REFI-QDA codebook",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def export_qdc(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return Response(
        refi.codebook(session=session, ctx=ctx),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="evident-{ctx.workspace.slug}.qdc"'},
    )


@router.post(
    "/workspaces/{ws}/import/codebook",
    response_model=refi.CodebookImport,
    status_code=201,
    summary="Import a REFI-QDA codebook (.qdc) as problems",
    description="Each code (nested ones too) becomes a problem with its description as the "
    "statement; a code whose name a problem already has is skipped. The file is read as "
    "untrusted XML: no document type or entities; at most 2 MB.",
    responses={
        413: error_response("Larger than 2 MB, or more than 2,000 codes."),
        415: error_response("Not an XML file."),
        422: error_response("Not well-formed, a document type or entities, or no codes."),
    },
)
async def import_codebook(
    ctx: ContributorDep,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A REFI-QDA codebook (.qdc).")],
) -> Any:
    content = await file.read(refi.MAX_CODEBOOK_BYTES + 1)
    return refi.import_codebook(session=session, ctx=ctx, content=content)


@router.post(
    "/import/workspace",
    response_model=WorkspaceRead,
    status_code=201,
    summary="Import a workspace export as a new workspace",
    description="The file is checked whole before anything is written, and only ever makes a "
    "new workspace: you become its admin. Its other members get their roles back only with "
    "`members`, and only those who already have an account here; nobody's account is created "
    "or changed.",
)
def import_workspace(
    user: CurrentUser,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A JSON document from the export.")],
    slug: Annotated[str | None, Form(description="Slug of the new workspace.")] = None,
    members: Annotated[
        bool,
        Form(description="Also give the export's members (with an account here) their roles."),
    ] = False,
) -> Any:
    # Read a few rows at a time from the uploaded file (spooled to disk when large).
    return export.import_file(
        session=session, stream=file.file, importer=user, slug=slug, members=members
    ).workspace


@router.get(
    "/workspaces/{ws}/participants/{participant_id}/personal-data",
    summary="Everything held about one participant (a subject access request)",
)
def participant_personal_data(ctx: AdminDep, session: SessionDep, participant_id: Id) -> Any:
    participant = get_row(session, Participant, ctx, participant_id, include_deleted=True)
    return participants.participant_data(session=session, ctx=ctx, participant=participant)


@router.post(
    "/workspaces/{ws}/participants/{participant_id}/erase",
    response_model=ParticipantRead,
    summary="Erase a participant's personal data; their quotes are kept",
)
def erase_participant(ctx: AdminDep, session: SessionDep, participant_id: Id) -> Any:
    participant = get_row(session, Participant, ctx, participant_id, include_deleted=True)
    participants.erase_participant(session=session, ctx=ctx, participant=participant)
    return participant


# ---- CSV import -------------------------------------------------------------------------------


class ImportPreview(BaseModel):
    columns: dict[str, str]
    ignored_columns: list[str]
    rows: int
    good_rows: int
    errors: list[csv_import.RowError]
    error_groups: list[csv_import.ErrorGroup] = Field(
        description="The same errors together: one entry per reason, with a count."
    )
    new_problems: dict[str, int] = Field(
        description="With `create_problems`: the problems to create, and how many rows name each."
    )
    preview: list[csv_import.ImportRow]


CreateProblems = Annotated[
    bool,
    Form(description="Create the problems the rows name and the workspace lacks (by title)."),
]


class ColumnMapping(BaseModel):
    columns: dict[str, str] = Field(
        description='Header as written in the file -> the field it holds ("" to ignore it).'
    )


CsvFile = Annotated[UploadFile, File(description="CSV, UTF-8, one row per highlight.")]


@router.post(
    "/workspaces/{ws}/import/interviews/preview",
    response_model=ImportPreview,
    summary="Check a CSV of highlights without importing it",
    description="Every bad row with its line number and reason, the column mapping, and the "
    "first rows as they would be imported.",
)
def preview_interviews(
    ctx: ContributorDep, session: SessionDep, file: CsvFile, create_problems: CreateProblems = False
) -> Any:
    # Checking only reads: end the write transaction this request began, so a large file does
    # not keep other writers waiting for SQLite's write lock.
    session.commit()
    checked = csv_import.check_file(
        session=session, ctx=ctx, data=file.file.read(), create_problems=create_problems
    )
    return ImportPreview(
        columns=checked.columns,
        ignored_columns=checked.ignored_columns,
        rows=checked.total,
        good_rows=len(checked.rows),
        errors=checked.errors,
        error_groups=checked.error_groups,
        new_problems=checked.new_problems,
        preview=checked.rows[: csv_import.PREVIEW_ROWS],
    )


@router.put(
    "/workspaces/{ws}/import/columns",
    response_model=ColumnMapping,
    summary="Remember how this workspace's CSV files name their columns",
    description="Merged into the mapping kept so far; the previews and imports after it read "
    "these headers as these fields.",
    responses={422: error_response("An unknown field, or one field chosen for two columns.")},
)
def remember_columns(ctx: ContributorDep, session: SessionDep, payload: ColumnMapping) -> Any:
    csv_import.remember_mapping(session, ctx, payload.columns)
    return ColumnMapping(columns=csv_import.remembered_mapping(session, ctx))


@router.post(
    "/workspaces/{ws}/import/interviews",
    response_model=csv_import.ImportReport,
    summary="Import a CSV of highlights",
    description="Nothing is imported when a row is bad, unless `good_rows` is true. Rows "
    "imported before (same content) are skipped, so a file can be sent again safely.",
)
def import_interviews(
    request: Request,
    ctx: ContributorDep,
    session: SessionDep,
    file: CsvFile,
    good_rows: Annotated[bool, Form(description="Import the good rows, skip the bad.")] = False,
    create_problems: CreateProblems = False,
) -> Any:
    # Checking only reads, and the import commits batch by batch on its own connections: end
    # the write transaction this request began, or its write lock (SQLite) would keep other
    # writers and the import's own batches waiting.
    session.commit()
    checked = csv_import.check_file(
        session=session, ctx=ctx, data=file.file.read(), create_problems=create_problems
    )
    session.commit()
    return csv_import.import_rows(
        engine=request.app.state.engine,
        ctx=ctx,
        checked=checked,
        source=file.filename or "upload.csv",
        good_rows=good_rows,
    )

"""Commands of data in and out: seed, import, export, backup, and participants' personal data."""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlmodel import Session, col, select

from app.auth.models import User
from app.cli import (
    app,
    console,
    engine_scope,
    err_console,
    fail,
    load_settings,
    session_scope,
    validated,
)
from app.dataio import backup as backup_service
from app.dataio import csv_import, refi
from app.dataio import export as export_service
from app.dataio import participants as participant_service
from app.dataio.csv_export import CSV_TABLES, prepare_csv, write_csv
from app.dataio.seed import load_demo
from app.enums import InterviewKind, Role
from app.errors import AppError, InvalidInput
from app.problems import repository as problems_repository
from app.research import repository as research_repository
from app.research import service as research_service
from app.research.models import InterviewCreate, Participant, ParticipantCreate
from app.research.transcript_files import ACCEPTED, read_transcript
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Membership, Workspace

seed_app = typer.Typer(help="Load sample data.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import interviews (CSV), a transcript file, or a whole workspace (JSON).",
    no_args_is_help=True,
)
participant_app = typer.Typer(
    help="A participant's personal data: export it, or erase it.", no_args_is_help=True
)
app.add_typer(seed_app, name="seed")
app.add_typer(import_app, name="import")
app.add_typer(participant_app, name="participant")

EmailOption = Annotated[
    str, typer.Option("--email", help="Who does it (default: the workspace's first admin).")
]
WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


def acting_user(session: Session, email: str) -> User:
    """The user named by --email, or the first user when there is only the default."""
    if email:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            fail(f"No user with the email {email}. Create one with `evident create-user` first.")
        return user
    user = session.exec(select(User).order_by(col(User.id))).first()
    if user is None:
        fail(
            "There is no user yet. Create one with `evident create-user --email you@example.com`,"
            " then run this again."
        )
    return user


def workspace_context(session: Session, slug: str, email: str) -> WorkspaceContext:
    """The workspace and who acts in it: --email, else its first admin."""
    workspace = session.exec(
        select(Workspace).where(Workspace.slug == slug, col(Workspace.deleted_at).is_(None))
    ).first()
    if workspace is None:
        fail(f"No workspace '{slug}'.")
    membership_query = select(Membership).where(Membership.workspace_id == workspace.id)
    if email:
        user = acting_user(session, email)
        membership = session.exec(membership_query.where(Membership.user_id == user.id)).first()
        if membership is None:
            fail(f"{user.email} is not a member of '{slug}'.")
    else:
        membership = session.exec(
            membership_query.where(Membership.role == Role.admin).order_by(col(Membership.id))
        ).first()
        if membership is None:
            fail(f"Workspace '{slug}' has no admin; pass --email.")
        admin = session.get(User, membership.user_id)
        assert admin is not None
        user = admin
    return WorkspaceContext(workspace=workspace, user=user, role=Role(membership.role))


def write_output(text: str, out: Path | None, what: str) -> None:
    if out is None:
        print(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    err_console.print(f"Wrote {what} to [bold]{out}[/].", highlight=False)


# ---- seed ------------------------------------------------------------------------------------


@seed_app.command("demo")
def seed_demo(
    email: Annotated[
        str, typer.Option("--email", help="Who owns the demo (default: the first user).")
    ] = "",
    slug: Annotated[str, typer.Option(help="Slug of the demo workspace.")] = "demo",
) -> None:
    """Load the demo workspace (a fictional field-service software company); safe to re-run."""
    with session_scope() as session:
        user = acting_user(session, email)
        existed = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
        workspace = load_demo(session, user, slug=slug)
    if existed:
        console.print(f"The demo workspace [bold]{slug}[/] is already there; nothing changed.")
    else:
        console.print(
            f"Loaded the demo workspace [bold]{workspace.slug}[/] ({workspace.name}); "
            f"{user.email} is its admin.",
            highlight=False,
        )


# ---- CSV import ------------------------------------------------------------------------------


@import_app.command("interviews")
def import_interviews(
    file: Annotated[Path, typer.Argument(help="CSV, one row per highlight.", exists=True)],
    workspace: WorkspaceOption,
    good_rows: Annotated[
        bool, typer.Option("--good-rows", help="Import the good rows even if some are bad.")
    ] = False,
    email: EmailOption = "",
    create_problems: Annotated[
        bool,
        typer.Option("--create-problems", help="Create the problems the rows name, if missing."),
    ] = False,
) -> None:
    """Import highlights from a CSV file; a re-run of the same file adds nothing twice."""

    with engine_scope() as engine:
        with session_scope() as session:
            ctx = workspace_context(session, workspace, email)
            checked = csv_import.check_file(
                session=session, ctx=ctx, data=file.read_bytes(), create_problems=create_problems
            )
        for group in checked.error_groups:
            lines = ", ".join(str(n) for n in group.lines)
            more = "..." if group.count > len(group.lines) else ""
            where = (
                f"line {lines}" if group.count == 1 else f"{group.count} rows (lines {lines}{more})"
            )
            err_console.print(f"{where}: {group.message}", highlight=False)
        if checked.errors and not good_rows:
            fail(
                f"{len(checked.errors)} of {checked.total} rows are not valid (listed above), so "
                "nothing was imported. Fix them, or run again with --good-rows to import the "
                f"{len(checked.rows)} good rows."
            )
        columns = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        )
        try:
            with columns as bar:
                task = bar.add_task("Importing", total=len(checked.rows))
                report = csv_import.import_rows(
                    engine=engine,
                    ctx=ctx,
                    checked=checked,
                    source=file.name,
                    good_rows=good_rows,
                    progress=lambda n: bar.advance(task, n),
                )
        except AppError as exc:
            fail(exc.message)
    console.print(
        f"Imported {report.imported} highlights ({report.already_imported} already imported, "
        f"{report.bad_rows} bad rows skipped); created {report.problems_created} problems, "
        f"{report.participants_created} "
        f"participants, {report.segments_created} segments, {report.interviews_created} "
        "interviews.",
        highlight=False,
    )


# ---- transcript -------------------------------------------------------------------------------


@import_app.command("transcript")
def import_transcript(
    file: Annotated[
        Path, typer.Argument(help=f"A transcript: {ACCEPTED}.", exists=True, dir_okay=False)
    ],
    workspace: WorkspaceOption,
    participant: Annotated[
        str,
        typer.Option(
            "--participant",
            help="Who took part: a participant's id or name (a new name adds them).",
        ),
    ] = "",
    occurred_on: Annotated[
        str, typer.Option("--date", help="When it took place, YYYY-MM-DD (default: today).")
    ] = "",
    kind: Annotated[InterviewKind, typer.Option("--kind")] = InterviewKind.interview,
    title: Annotated[str, typer.Option("--title", help="Default: the file's name.")] = "",
    problems: Annotated[
        list[str] | None,
        typer.Option("--problem", help="A problem it covered, by id or title; repeat for more."),
    ] = None,
    email: EmailOption = "",
) -> None:
    """Create an interview from a transcript file: its text becomes the interview's notes."""
    limit = load_settings().max_transcript_bytes
    try:
        with file.open("rb") as handle:
            # One byte past the limit is enough to refuse a file, without reading it all.
            transcript = read_transcript(file.name, handle.read(limit + 1), max_bytes=limit)
    except AppError as exc:
        fail(escape(exc.message))
    with session_scope() as session:
        ctx = workspace_context(session, workspace, email)
        person, added = _participant_named(session, ctx, participant)
        payload = validated(
            InterviewCreate,
            kind=kind,
            occurred_on=occurred_on or date.today().isoformat(),
            participant_id=person.id if person else None,
            title=title or file.stem[:200],
            notes=transcript.text,
            problem_ids=[_problem_id(session, ctx, wanted) for wanted in problems or []],
        )
        interview = research_service.create_interview(session=session, ctx=ctx, payload=payload)
    speakers = f", speakers: {', '.join(transcript.speakers)}" if transcript.speakers else ""
    with_whom = f" with {person.name}" + (" (new participant)" if added else "") if person else ""
    console.print(
        escape(
            f"Created interview {interview.id} in {workspace}{with_whom} from {file.name}: "
            f"{len(transcript.text):,} characters, {transcript.turns} speaker turns{speakers}."
        ),
        highlight=False,
    )


def _participant_named(
    session: Session, ctx: WorkspaceContext, wanted: str
) -> tuple[Participant | None, bool]:
    """The participant with this id or name (added when the name is new), and whether added."""
    wanted = wanted.strip()
    if not wanted:
        return None, False
    people = research_repository.participants_by_name(session, ctx)
    found = [p for p in people if str(p.id) == wanted or p.name.casefold() == wanted.casefold()]
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        fail(f"Several participants are named {wanted} (ids {ids}): pass --participant ID.")
    if found:
        return found[0], False
    if wanted.isdigit():
        fail(f"No participant {wanted} in '{ctx.workspace.slug}'.")
    payload = validated(ParticipantCreate, name=wanted)
    return research_service.create_participant(session=session, ctx=ctx, payload=payload), True


def _problem_id(session: Session, ctx: WorkspaceContext, wanted: str) -> int:
    """The id of the problem with this id or title."""
    wanted = wanted.strip()
    problems = problems_repository.problems_by_title(session, ctx)
    found = [p for p in problems if str(p.id) == wanted or p.title.casefold() == wanted.casefold()]
    if len(found) != 1:
        which = "Several problems are" if found else "No problem is"
        fail(f"{which} called {wanted} in '{ctx.workspace.slug}'; pass --problem with an id.")
    assert found[0].id is not None
    return found[0].id


# ---- workspace export / import -----------------------------------------------------------------


@import_app.command("workspace")
def import_workspace(
    file: Annotated[Path, typer.Argument(help="A JSON export of a workspace.", exists=True)],
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Slug of the new workspace.")
    ] = None,
    email: Annotated[
        str,
        typer.Option(
            "--email",
            help="Import as this user, who becomes its admin; no account is created. Without "
            "it, a restore: the export's people and members come back.",
        ),
    ] = "",
    members: Annotated[
        bool,
        typer.Option(
            "--members", help="With --email: the export's members with an account keep their role."
        ),
    ] = False,
) -> None:
    """Restore a workspace export, into an empty database or as a new workspace."""
    with session_scope() as session, file.open("rb") as stream:
        importer = acting_user(session, email) if email else None
        try:
            imported = export_service.import_file(
                session=session, stream=stream, importer=importer, slug=workspace, members=members
            )
        except InvalidInput as exc:
            fail(f"{file} is not a JSON export it can import: {exc.message}")
    counts = {name: n for name, n in imported.rows.items() if n}
    console.print(
        f"Imported workspace [bold]{imported.workspace.slug}[/]: "
        + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()),
        highlight=False,
    )


@import_app.command("codebook")
def import_codebook(
    path: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc).", exists=True)],
    workspace: WorkspaceOption,
    email: EmailOption = "",
) -> None:
    """Import a REFI-QDA codebook: each code becomes a problem (existing titles are skipped)."""
    with session_scope() as session:
        ctx = workspace_context(session, workspace, email)
        try:
            done = refi.import_codebook(session=session, ctx=ctx, content=path.read_bytes())
        except AppError as exc:
            fail(exc.message)
    console.print(
        f"Created {len(done.created)} problems; skipped {len(done.skipped)} that already exist.",
        highlight=False,
    )


@app.command("export")
def export(
    workspace: WorkspaceOption,
    what: Annotated[
        str | None,
        typer.Argument(help="qdpx (REFI-QDA project) or qdc (codebook); same as --format."),
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="json, csv, qdpx or qdc.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout).")] = None,
    table: Annotated[
        str, typer.Option(help="For CSV: problems, interviews or evidence.")
    ] = "problems",
) -> None:
    """Export a workspace: the whole of it as JSON, one table as CSV, or its interviews,
    highlights and problems as a REFI-QDA project (qdpx) or its codebook (qdc). JSON and CSV
    are written as they are read, a few thousand rows at a time, so a large workspace takes
    little memory."""
    format = what or format
    if format not in ("json", "csv", "qdpx", "qdc"):
        fail("The format is json, csv, qdpx or qdc.")
    if format == "csv" and table not in CSV_TABLES:
        fail(f"--table is one of {', '.join(CSV_TABLES)}.")
    if format in ("qdpx", "qdc"):
        if out is None:
            fail(f"A {format} file is binary or XML: give --out FILE.")
        with session_scope() as session:
            ctx = workspace_context(session, workspace, "")
            try:
                build = refi.project if format == "qdpx" else refi.codebook
                content = build(session=session, ctx=ctx)
            except AppError as exc:
                fail(exc.message)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        err_console.print(f"Wrote the REFI-QDA {format} to [bold]{out}[/].", highlight=False)
        return
    with session_scope() as session:
        ctx = workspace_context(session, workspace, "")
        if format == "csv":  # the problems' scores first, in their own transaction
            prepare_csv(session=session, ctx=ctx, table=table)
    with engine_scope() as engine, export_service.reading(engine) as conn:
        if format == "json":
            chunks = export_service.write_workspace(conn, ctx.id)
        else:
            chunks = write_csv(conn, ctx.id, table)
        if out is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as file:
            file.writelines(chunks)
    err_console.print(f"Wrote the {format.upper()} export to [bold]{out}[/].", highlight=False)


@app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(help="A new file, or a folder to put a dated file in.")],
) -> None:
    """Copy the SQLite database while the server keeps serving (PostgreSQL: use pg_dump)."""
    settings = load_settings()
    try:
        copy = backup_service.backup_sqlite(database_url=settings.database_url, destination=path)
    except AppError as exc:
        fail(exc.message)
    size = copy.stat().st_size
    console.print(f"Backed up to [bold]{copy}[/] ({size:,} bytes).", highlight=False)


# ---- participants ----------------------------------------------------------------------------


def _participant(session: Session, ctx: WorkspaceContext, participant_id: int) -> Participant:
    row = session.exec(
        select(Participant).where(
            Participant.workspace_id == ctx.id, Participant.id == participant_id
        )
    ).first()
    if row is None:
        fail(f"No participant {participant_id} in '{ctx.workspace.slug}'.")
    return row


@participant_app.command("export")
def participant_export(
    participant_id: Annotated[int, typer.Argument(help="The participant's id.")],
    workspace: WorkspaceOption,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout).")] = None,
) -> None:
    """Everything held about one participant, as JSON (a subject access request)."""
    with session_scope() as session:
        ctx = workspace_context(session, workspace, "")
        data = participant_service.participant_data(
            session=session, ctx=ctx, participant=_participant(session, ctx, participant_id)
        )
    write_output(json.dumps(data, ensure_ascii=False, indent=1), out, "the participant's data")


@participant_app.command("erase")
def participant_erase(
    participant_id: Annotated[int, typer.Argument(help="The participant's id.")],
    workspace: WorkspaceOption,
    email: EmailOption = "",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a participant's personal data; their quotes are kept, the erasure is audited."""
    with session_scope() as session:
        ctx = workspace_context(session, workspace, email)
        participant = _participant(session, ctx, participant_id)
        if not yes:
            typer.confirm(f"Erase the personal data of {participant.name}?", abort=True)
        participant_service.erase_participant(session=session, ctx=ctx, participant=participant)
        name = participant.name
    console.print(f"Erased. The participant is now [bold]{name}[/].", highlight=False)

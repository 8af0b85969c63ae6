"""Commands of data in and out: seed, import, export, backup, and participants' personal data."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlmodel import Session, col, select

from app.auth.models import User
from app.cli import app, console, engine_scope, err_console, fail, load_settings, session_scope
from app.dataio import backup as backup_service
from app.dataio import csv_import
from app.dataio import export as export_service
from app.dataio import participants as participant_service
from app.dataio.csv_export import CSV_TABLES, prepare_csv, write_csv
from app.dataio.seed import load_demo
from app.enums import Role
from app.errors import AppError, InvalidInput
from app.research.models import Participant
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Membership, Workspace

seed_app = typer.Typer(help="Load sample data.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import interviews (CSV) or a whole workspace (JSON).", no_args_is_help=True
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
) -> None:
    """Import highlights from a CSV file; a re-run of the same file adds nothing twice."""

    with engine_scope() as engine:
        with session_scope() as session:
            ctx = workspace_context(session, workspace, email)
            checked = csv_import.check_file(session=session, ctx=ctx, data=file.read_bytes())
        for error in checked.errors:
            err_console.print(f"line {error.line}: {error.message}", highlight=False)
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
        f"{report.bad_rows} bad rows skipped); created {report.participants_created} "
        f"participants, {report.segments_created} segments, {report.interviews_created} "
        "interviews.",
        highlight=False,
    )


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


@app.command("export")
def export(
    workspace: WorkspaceOption,
    format: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout).")] = None,
    table: Annotated[
        str, typer.Option(help="For CSV: problems, interviews or evidence.")
    ] = "problems",
) -> None:
    """Export a workspace: the whole of it as JSON, or one table as CSV. Written as it is
    read, a few thousand rows at a time, so a large workspace takes little memory."""
    if format not in ("json", "csv"):
        fail("--format is json or csv.")
    if format == "csv" and table not in CSV_TABLES:
        fail(f"--table is one of {', '.join(CSV_TABLES)}.")
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

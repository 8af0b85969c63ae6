"""The ``evident`` command line: serve, migrate, and the admin commands of a fresh install.

Other domains add their commands in a module of their own (``app/<domain>/cli.py``) that
registers on this ``app``::

    from app.cli import app, fail, session_scope

    @app.command()
    def backup(path: Path) -> None:
        \"\"\"Copy the database while the server keeps serving.\"\"\"

(or ``app.add_typer(sub_app, name="import")`` for a group), and add the module's name to
``COMMAND_MODULES`` at the end of this file. Run a command's work in ``session_scope()`` (one
transaction) and report bad input with ``fail(message)``: exit code 1, no traceback.
"""

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
import uvicorn
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlmodel import Session, select
from uvicorn.supervisors import Multiprocess

from app.auth import service as auth_service
from app.auth.models import TokenCreate, User, UserCreate
from app.config import Settings, get_settings
from app.db import make_engine
from app.errors import AppError
from app.workspaces import service as workspace_service
from app.workspaces.models import WorkspaceCreate

ROOT = Path(__file__).resolve().parent.parent

app = typer.Typer(
    name="evident",
    help="Evident: discovery-research evidence tracker.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """Print an error for the user and exit with code 1 (no traceback)."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def load_settings() -> Settings:
    """The settings, or a clear error when the environment is wrong (e.g. no production secret)."""
    try:
        return get_settings()
    except ValidationError as exc:
        fail("; ".join(_messages(exc)))


def _messages(exc: ValidationError) -> list[str]:
    messages = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        messages.append(f"{where}: {message}" if where else message)
    return messages


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], **values: object) -> M:
    """Validate command-line input with the API's own schema, failing with its messages."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fail("; ".join(_messages(exc)))


def database_label(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def engine_scope() -> Iterator[Engine]:
    engine = make_engine(load_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction for a command: committed when it succeeds, rolled back when it fails."""
    with engine_scope() as engine, Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except AppError as exc:
            session.rollback()
            fail(exc.message)
        except (OperationalError, ProgrammingError) as exc:
            session.rollback()
            if _missing_table(exc):
                fail("The database has no tables yet: run `evident migrate` first.")
            if isinstance(exc, OperationalError):
                fail(f"Database error at {database_label(str(engine.url))}: {exc.orig}")
            raise


def _missing_table(exc: Exception) -> bool:
    text = str(exc.orig if isinstance(exc, DBAPIError) else exc)
    return "no such table" in text or re.search(r'relation ".+" does not exist', text) is not None


# ---- database ------------------------------------------------------------------------------


def upgrade_database(url: str) -> str:
    """Apply every pending migration; returns the revision the database is at."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return revision or "(empty)"


@app.command()
def migrate() -> None:
    """Apply the database migrations (creates the database on first use)."""
    settings = load_settings()
    try:
        revision = upgrade_database(settings.database_url)
    except OperationalError as exc:
        fail(f"Cannot reach the database {database_label(settings.database_url)}: {exc.orig}")
    console.print(
        f"Database [bold]{database_label(settings.database_url)}[/] is at revision "
        f"[bold green]{revision}[/] (head).",
        highlight=False,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (the app keeps no state in process).")
    ] = 1,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = (
        False
    ),
) -> None:
    """Apply migrations (once, here: workers never migrate), then serve the web app and the
    API."""
    migrate()
    console.print(f"Serving on [bold]http://{host}:{port}[/] (Ctrl+C to stop)", highlight=False)
    # An import string and a factory: each worker (or reload) builds its own app and engine.
    target = "app.main:create_app"
    if reload or workers == 1:
        uvicorn.run(
            target,
            factory=True,
            host=host,
            port=port,
            reload=reload,
            reload_dirs=[str(ROOT / "app")] if reload else None,
        )
        return
    config = uvicorn.Config(target, factory=True, host=host, port=port, workers=workers)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.")
    Multiprocess(config, sockets=[sock]).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket the workers share, made as a TCP socket in name: the event loop turns off
    Nagle's algorithm only on connections of such a socket. (The server's own shared socket
    leaves the protocol unnamed, so every response waited for the client's delayed
    acknowledgement, about 40 ms, on each reused connection.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted ones inherit it
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


# ---- users, tokens and workspaces ------------------------------------------------------------


def _user_by_email(session: Session, email: str) -> User:
    email = auth_service.normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        fail(f"No user with the email {email}. Create one with `evident create-user` first.")
    return user


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            confirmation_prompt=True,
            hide_input=True,
            help="At least 8 characters, hard to guess; asked for (twice) when omitted.",
        ),
    ],
    name: Annotated[str, typer.Option(help="Display name (defaults to the email's name).")] = "",
) -> None:
    """Create a user who can sign in with an email and a password."""
    payload = validated(UserCreate, email=email, password=password, name=name)
    with session_scope() as session:
        user = auth_service.create_user(
            session=session, email=payload.email, password=payload.password, name=payload.name
        )
    console.print(f"Created user [bold]{user.email}[/] (id {user.id}).", highlight=False)


@app.command("create-token")
def create_token(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'laptop' or 'CI'.")],
) -> None:
    """Create a personal API token and print it (it is not shown again)."""
    payload = validated(TokenCreate, name=name)
    with session_scope() as session:
        user = _user_by_email(session, email)
        _, token = auth_service.issue_token(
            session=session, user=user, name=payload.name, kind="personal", lifetime=None
        )
    # The token alone on stdout, so scripts can capture it; the note goes to stderr.
    print(token)
    err_console.print(
        f"Personal token '{payload.name}' for {user.email}. Copy it now: it is not shown again. "
        "Send it as the header `Authorization: Bearer <token>`.",
        highlight=False,
    )


@app.command("create-workspace")
def create_workspace(
    email: Annotated[str, typer.Option(help="The creator, who becomes the workspace's admin.")],
    slug: Annotated[str, typer.Option(help="Short address: lowercase letters, digits, dashes.")],
    name: Annotated[str, typer.Option(help="Display name.")],
) -> None:
    """Create a workspace; its creator becomes its admin."""
    payload = validated(WorkspaceCreate, slug=slug, name=name)
    with session_scope() as session:
        user = _user_by_email(session, email)
        workspace = workspace_service.create_workspace(session=session, user=user, payload=payload)
    console.print(
        f"Created workspace [bold]{workspace.slug}[/] ({workspace.name}); "
        f"{user.email} is its admin.",
        highlight=False,
    )


# ---- commands of other domains ---------------------------------------------------------------
# Each module registers its commands on `app` when imported (see the module docstring).
COMMAND_MODULES: tuple[str, ...] = ("app.dataio.cli",)

for _module in COMMAND_MODULES:
    import_module(_module)


if __name__ == "__main__":
    app()

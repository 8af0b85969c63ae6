"""Test fixtures: a fresh database per test, built by the migrations, and an API client.

The database is SQLite by default; set EVIDENT_TEST_DATABASE_URL to a PostgreSQL URL to run
the same suite there (.ci/run does both).
"""

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, inspect, text
from sqlmodel import Session

from app.auth.models import User
from app.config import Settings
from app.dataio.seed import load_demo
from app.db import make_engine
from app.main import create_app
from tests.factories import Api
from tests.pages import Web

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("EVIDENT_TEST_DATABASE_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
# The statement that empties every table after a test, built once (the catalogue query is slow).
POSTGRES_TRUNCATE: list[str] = []
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The server that tests marked `postgres` use (the suite's own database when it runs there).
POSTGRES_URL = (
    TEST_DATABASE_URL if IS_POSTGRES else "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@cache
def postgres_unreachable() -> str:
    """Why PostgreSQL cannot be used, or "" when it answers."""
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return ""
    except Exception as exc:
        return f"PostgreSQL is not reachable ({type(exc).__name__})"
    finally:
        engine.dispose()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # CI must prove the PostgreSQL path: there a missing server fails instead of skipping.
    if item.get_closest_marker("postgres") and (reason := postgres_unreachable()):
        if IN_CI:
            pytest.fail(f"{reason}; CI needs it on 127.0.0.1:5432.", pytrace=False)
        pytest.skip(reason)


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Still argon2, with the smallest cost it allows (one pass over 8 KiB): hundreds of
    sign-ups would otherwise dominate the suite's time. The production parameters are checked
    in tests/auth/test_service.py."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from app.auth import service
    from app.dataio import seed

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "password_hash", cheap)
        # The demo loader took the hasher by name when it was imported.
        patch.setattr(seed, "password_hash", cheap)
        yield


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy per test, or the PostgreSQL test database."""
    if IS_POSTGRES:
        engine = make_engine(TEST_DATABASE_URL)
        reset_postgres(engine)
        engine.dispose()
        migrate(TEST_DATABASE_URL)
        engine = make_engine(TEST_DATABASE_URL)
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        engine.dispose()
        quoted = ", ".join(f'"{t}"' for t in tables)
        POSTGRES_TRUNCATE.append(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        yield TEST_DATABASE_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture(scope="session")
def shared_engine(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for the session. SQLAlchemy caches compiled statements and column types per
    engine; compiling them all again for every test cost more than many tests take."""
    if IS_POSTGRES:
        engine = make_engine(template_db)
    else:
        first = tmp_path_factory.mktemp("databases") / "unused.db"
        engine = make_engine(f"sqlite:///{first}")

        @event.listens_for(engine, "do_connect")
        def this_tests_file(_dialect: Any, _record: Any, cargs: list[Any], _params: Any) -> None:
            # New connections open the file the engine's URL names now (see `engine`).
            cargs[0] = engine.url.database

    yield engine
    engine.dispose()


@pytest.fixture
def engine(shared_engine: Engine, template_db: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database for this test, behind the session's engine."""
    engine = shared_engine
    if not IS_POSTGRES:
        path = tmp_path / "test.db"
        shutil.copyfile(template_db, path)
        engine.url = engine.url.set(database=str(path))
    try:
        yield engine
    finally:
        if IS_POSTGRES:
            with engine.begin() as conn:
                conn.execute(text(POSTGRES_TRUNCATE[0]))
        # The next test starts from new connections (on SQLite, to its own file).
        engine.dispose()


# key -> (a copy of the database once built, what the build returned)
_SNAPSHOTS: dict[str, tuple[Path, Any]] = {}


@pytest.fixture
def snapshot(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """`snapshot(key, build)`: the scene `build()` sets, set once per worker and copied into
    each later test's own database; returns what `build` returned (plain values: ids, tokens).

    For scenes many tests share and that take longer to set than the tests take to run. On
    PostgreSQL every test builds its scene, as the rows cannot be copied as one file."""

    def take(key: str, build: Callable[[], Any]) -> Any:
        if IS_POSTGRES:
            return build()
        database = Path(str(engine.url.database))
        engine.dispose()
        if key in _SNAPSHOTS:
            kept, result = _SNAPSHOTS[key]
            for suffix in ("-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(kept, database)
            return result
        result = build()
        engine.dispose()
        kept = tmp_path_factory.mktemp("snapshots") / f"{key}.db"
        # The backup API copies what is still in the write-ahead log, too.
        source, copy = sqlite3.connect(database), sqlite3.connect(kept)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        _SNAPSHOTS[key] = (kept, result)
        return result

    return take


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One application for the whole session: building it (routes, dependency graphs) costs
    more than most tests, and nothing in it depends on the test."""
    data_dir: Path = tmp_path_factory.mktemp("app-data")
    settings = Settings(data_dir=data_dir, database_url="sqlite://", secret_key="test-secret")
    return create_app(settings, engine=None)


@pytest.fixture
def settings(shared_app: FastAPI) -> Settings:
    return shared_app.state.settings  # type: ignore[no-any-return]


@pytest.fixture
def app(shared_app: FastAPI, engine: Engine) -> Iterator[Any]:
    """The shared application, pointed at this test's fresh database."""
    previous = shared_app.state.engine
    shared_app.state.engine = engine
    yield shared_app
    shared_app.state.engine = previous
    shared_app.dependency_overrides.clear()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def api(client: TestClient) -> Api:
    """A signed-in admin of a fresh workspace 'acme'."""
    return Api.signed_up(client, email="ada@example.com", workspace="acme")


@pytest.fixture
def demo(client: TestClient, snapshot: Callable[..., Any]) -> Api:
    """Ada, admin of 'acme', signed in to the demo workspace 'demo' she loaded (set once per
    worker: loading it takes longer than the tests that read it)."""

    def build() -> tuple[str, int]:
        ada = Api.signed_up(client, email="ada@example.com", workspace="acme")
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            user = session.get(User, ada.user_id)
            assert user is not None
            load_demo(session, user)
            session.commit()
        return ada.token, ada.user_id

    token, user_id = snapshot("demo", build)
    return Api(client, token, "demo", user_id)


@pytest.fixture
def web(api: Api) -> Web:
    """The admin of 'acme', signed in through the sign-in page."""
    browser = Web(api.client, api.ws)
    browser.sign_in("ada@example.com")
    return browser


@pytest.fixture
def cli(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """Run `evident ...` against this test's database: ``cli("migrate").stdout``."""
    from typer.testing import CliRunner

    from app.cli import app as cli_app
    from app.config import get_settings

    monkeypatch.setenv("EVIDENT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EVIDENT_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("EVIDENT_SECRET_KEY", "test-secret")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(cli_app, list(args), input=input)

    yield invoke
    get_settings.cache_clear()


class Clock:
    """The time the sign-in rules see, moved by hand instead of waiting."""

    def __init__(self) -> None:
        from app.db import utcnow

        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from app.auth import service

    clock = Clock()
    monkeypatch.setattr(service, "utcnow", clock)
    return clock


@pytest.fixture
def mailbox(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real SMTP server in this process, set as the app's mail server."""
    from tests.mailbox import smtp_server

    with smtp_server() as (url, received):
        monkeypatch.setattr(settings, "smtp_url", url)
        yield received

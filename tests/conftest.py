"""Test fixtures: a fresh database per test, built by the migrations, and an API client.

The database is SQLite by default; set EVIDENT_TEST_DATABASE_URL to a PostgreSQL URL to run
the same suite there (.ci/run does both).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.factories import Api

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("EVIDENT_TEST_DATABASE_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


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


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy per test, or the PostgreSQL test database."""
    if IS_POSTGRES:
        engine = make_engine(TEST_DATABASE_URL)
        reset_postgres(engine)
        engine.dispose()
        migrate(TEST_DATABASE_URL)
        yield TEST_DATABASE_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def engine(template_db: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database for this test."""
    if IS_POSTGRES:
        engine = make_engine(template_db)
        yield engine
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as conn:
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    path = tmp_path / "test.db"
    shutil.copyfile(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url="sqlite://", secret_key="test-secret")


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Any:
    return create_app(settings, engine=engine)


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

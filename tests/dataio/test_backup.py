"""Backups: a consistent copy of the SQLite database while writes go on."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.dataio.backup import backup_sqlite
from app.errors import InvalidInput
from tests.conftest import IS_POSTGRES
from tests.factories import Api

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="SQLite's backup API; PostgreSQL uses pg_dump")


def test_backup_during_writes_is_consistent(api: Api, engine: Engine, tmp_path: Path) -> None:
    problem = api.problem()
    stop = threading.Event()
    written = 0

    def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            api.evidence(problem["id"], quote=f"We pay a contractor, week {written}.")
            written += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written < 5:
            stop.wait(0.01)
        copies = [
            backup_sqlite(database_url=str(engine.url), destination=tmp_path / f"copy-{i}.db")
            for i in range(3)
        ]
    finally:
        stop.set()
        writer.join()

    assert written > 5
    for copy in copies:
        conn = sqlite3.connect(copy)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            items = conn.execute("SELECT count(*) FROM evidence_item").fetchone()[0]
            # Every evidence item of the copy has its audit event: one snapshot, not a mix.
            audited = conn.execute(
                "SELECT count(*) FROM audit_event WHERE entity = 'evidence_item'"
            ).fetchone()[0]
            assert items >= 5
            assert audited == items
            indexed = conn.execute(
                "SELECT count(*) FROM search_index WHERE kind = 'evidence_item'"
            ).fetchone()[0]
            assert indexed == items
        finally:
            conn.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM evidence_item")).scalar_one() == written


def test_backup_into_a_folder_names_the_file(engine: Engine, tmp_path: Path) -> None:
    copy = backup_sqlite(database_url=str(engine.url), destination=tmp_path)
    assert copy.parent == tmp_path and copy.name.startswith("evident-")
    with pytest.raises(InvalidInput, match="already exists"):
        backup_sqlite(database_url=str(engine.url), destination=copy)


def test_postgres_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="pg_dump"):
        backup_sqlite(database_url="postgresql+psycopg://u@localhost/evident", destination=tmp_path)

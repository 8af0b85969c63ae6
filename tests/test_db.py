"""The SQLite database and its data folder are readable by their owner only."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that narrows nothing, so only the app's own choice of modes shows."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_new_database_and_its_folders_are_private(tmp_path: Path, permissive_umask: None) -> None:
    tmp_path.chmod(0o755)
    data = tmp_path / "server" / "data"
    engine = make_engine(f"sqlite:///{data / 'evident.db'}")
    try:
        with engine.begin() as conn:  # a write, so SQLite makes its -wal and -shm files
            conn.execute(text("CREATE TABLE note (body TEXT)"))
            conn.execute(text("INSERT INTO note VALUES ('private')"))
        files = sorted(p.name for p in data.iterdir())
        assert files == ["evident.db", "evident.db-shm", "evident.db-wal"]
        assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        engine.dispose()
    assert mode(data) == 0o700
    assert mode(data.parent) == 0o700  # created for it too
    assert mode(tmp_path) == 0o755  # what was there is left alone


def test_an_existing_database_keeps_its_permissions(tmp_path: Path, permissive_umask: None) -> None:
    """Operators who chose a mode (a backup group, say) keep it."""
    path = tmp_path / "evident.db"
    path.touch(mode=0o640)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert mode(path) == 0o640


def test_in_memory_databases_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    assert list(tmp_path.iterdir()) == []

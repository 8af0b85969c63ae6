"""A consistent copy of the SQLite database while the server keeps writing to it."""

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db import utcnow
from app.errors import InvalidInput


def sqlite_path(database_url: str) -> Path:
    """The database file of a SQLite URL; PostgreSQL is backed up with pg_dump instead."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise InvalidInput(
            "`evident backup` copies a SQLite database. For PostgreSQL use pg_dump, e.g. "
            '`pg_dump --format=custom --file=evident.dump "$DATABASE_URL"` (see the README).'
        )
    if not url.database or url.database == ":memory:":
        raise InvalidInput("The database is in memory; there is no file to back up.")
    return Path(url.database)


def backup_sqlite(*, database_url: str, destination: Path) -> Path:
    """Copy the database with SQLite's online backup API into `destination` (a file, or a
    folder to put a time-stamped file in). Writers are not blocked: in WAL mode the copy
    reads one consistent snapshot."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise InvalidInput(f"There is no database at {source_path}; nothing to back up.")
    if destination.is_dir():
        destination = destination / f"evident-{utcnow():%Y%m%d-%H%M%S}.db"
    if destination.exists():
        raise InvalidInput(f"{destination} already exists; choose a new file name.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, from one read snapshot.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    partial.rename(destination)
    return destination

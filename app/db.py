"""Database: engine, naming convention, the shared row columns and the request's session."""

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, DateTime, Engine, String, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel

from app.config import make_private_folder

# Named constraints keep migrations reproducible and let Alembic drop them by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime.

    SQLite keeps no time zone and PostgreSQL does; storing naive UTC everywhere makes both
    databases compare and sort timestamps the same way.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """An enumeration stored as its plain string value and read back as the enum member.

    Plain strings keep the schema portable (no native PostgreSQL enum types to migrate), while
    loaded rows still carry real enum members, as their type hints say.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class Timestamped(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DomainRow(Timestamped):
    """Columns every row of a workspace carries: owner, audit trail, soft delete, version."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, nullable=False)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            _ensure_sqlite_folder(url)
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_sqlite_writers(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _ensure_sqlite_folder(url: str) -> None:
    """Create the database's folder and file readable by their owner only.

    SQLite gives the -wal and -shm files the database file's permissions, so they follow.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    make_private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer waits its turn (up to 30 s on a loaded machine) rather than failing.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite gathers no table statistics unless asked; without them it can walk a whole
    # workspace to find one problem's evidence. 0x10002: analyse on open where it helps.
    cursor.execute("PRAGMA analysis_limit=400")
    cursor.execute("PRAGMA optimize=0x10002")
    cursor.close()
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see WriterQueue).
    dbapi_connection.isolation_level = None


WRITE_INTENT = "evident_write"
WRITER_WAIT_SECONDS = 30  # as long as SQLite's busy timeout


class WriterQueue:
    """Writers of one database take their turn in arrival order.

    SQLite lets one writer in at a time and makes the others poll for the lock with growing
    sleeps, so under load a writer could lose the race again and again (seconds at p99).
    Writers in this process queue here first and only then BEGIN IMMEDIATE; the lock is handed
    straight to the next in line when a transaction ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._waiting: deque[tuple[int, threading.Event]] = deque()

    def acquire(self, timeout: float = WRITER_WAIT_SECONDS) -> bool:
        """Wait for our turn; False after `timeout` (SQLite's own busy wait takes over)."""
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:  # a second connection of the same thread: no turn to wait
                return False
            if self._owner is None:
                self._owner = me
                return True
            turn = threading.Event()
            self._waiting.append((me, turn))
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as we gave up
                return True
            self._waiting.remove((me, turn))
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._owner, turn = self._waiting.popleft()
                turn.set()
            else:
                self._owner = None


_HOLDS_TURN = "evident_holds_write_turn"


def _queue_sqlite_writers(engine: Engine) -> None:
    queue = WriterQueue()

    def begin(conn: Connection) -> None:
        """Writes take SQLite's write lock when they begin, not at their first INSERT.

        Otherwise two concurrent edits could both pass the version check on the same
        snapshot, and the second would fail at commit with "database is locked" instead of
        waiting its turn. Reads begin deferred, so they never wait for a writer (WAL).
        """
        if not conn.get_execution_options().get(WRITE_INTENT, False):
            conn.exec_driver_sql("BEGIN")
            return
        if queue.acquire():
            conn.info[_HOLDS_TURN] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            end(conn)
            raise

    def end(conn: Connection) -> None:
        if conn.info.pop(_HOLDS_TURN, False):
            queue.release()

    def returned(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        # A transaction the pool rolled back on return ends the turn too.
        if record.info.pop(_HOLDS_TURN, False):
            queue.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    event.listen(engine.pool, "checkin", returned)
    event.listen(engine.pool, "invalidate", returned)


TOUCHED_PROBLEMS = "evident_touched_problems"


def touched_problems(session: Session) -> set[int]:
    """The problems whose scorecards this transaction's writes moved so far; the scorecards
    domain fills it from every flush and refreshes them just before commit."""
    touched: set[int] = session.info.setdefault(TOUCHED_PROBLEMS, set())
    return touched


def touch_problems(session: Session, problem_ids: Iterable[int]) -> None:
    """Note problems whose scorecard a bulk statement moved: the ORM does not see those."""
    touched_problems(session).update(problem_ids)


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: commit when the route succeeds (the commit first refreshes
    the scorecards the writes touched), roll back when it raises."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            session.connection(execution_options={WRITE_INTENT: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

"""Export a whole workspace (every row, soft-deleted ones and the audit log included) to one
JSON document, and read one back into an empty database or as a new workspace."""

import json
import secrets
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import groupby
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Engine,
    PrimaryKeyConstraint,
    Select,
    UniqueConstraint,
    insert,
    select,
)
from sqlmodel import Session

from app.auth.models import User
from app.auth.service import password_hash
from app.dataio import document as document_rules
from app.dataio import reader
from app.dataio.document import FORMAT, FORMAT_VERSION, NAME_LENGTH, USER_FIELDS
from app.dataio.tables import (
    AUDIT_ENTITY_TABLES,
    LINK_TABLES,
    WORKSPACE_TABLES,
    foreign_keys,
    has_serial_id,
    remap_json,
    table,
)
from app.db import touch_problems, utcnow
from app.enums import Role
from app.errors import Conflict, InvalidInput
from app.workspaces.models import Workspace

# Rows fetched and encoded at a time: an export holds one chunk in memory, whatever its size.
CHUNK_ROWS = 2_000


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _encode(value: Any) -> str:
    """Compact JSON (enumerations are strings, times ISO 8601 text)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _scoped(name: str, workspace_id: int) -> Select[Any]:
    t = table(name)
    if name in LINK_TABLES:
        column, parent = LINK_TABLES[name]
        parents = select(table(parent).c.id).where(table(parent).c.workspace_id == workspace_id)
        return select(t).where(t.c[column].in_(parents))
    return select(t).where(t.c.workspace_id == workspace_id)


def _people(conn: Connection, workspace_id: int, created_by: int | None) -> list[dict[str, Any]]:
    """The accounts the workspace's rows name, asked of the database column by column."""
    user_ids = {created_by}
    for name in WORKSPACE_TABLES:
        base = _scoped(name, workspace_id).subquery()
        for column, target in foreign_keys(name).items():
            if target == "user":
                user_ids |= set(conn.execute(select(base.c[column]).distinct()).scalars())
    user_ids.discard(None)
    users_table = table("user")
    columns = [users_table.c[key] for key in USER_FIELDS]
    found = conn.execute(
        select(*columns).where(users_table.c.id.in_(user_ids)).order_by(users_table.c.id)
    )
    return [dict(row._mapping) for row in found]


def write_workspace(
    conn: Connection, workspace_id: int, *, chunk_rows: int | None = None
) -> Iterator[str]:
    """The export of a workspace as compact JSON text, piece by piece: the workspace and its
    people first, then every table, read and encoded `chunk_rows` rows at a time."""
    size = chunk_rows or CHUNK_ROWS
    ws_table = table("workspace")
    ws_row = dict(
        conn.execute(select(ws_table).where(ws_table.c.id == workspace_id)).one()._mapping
    )
    users = _people(conn, workspace_id, ws_row["created_by"])
    yield (
        f'{{"format":{_encode(FORMAT)},"version":{FORMAT_VERSION},'
        f'"exported_at":{_encode(utcnow())},\n"workspace":{_encode(ws_row)},\n'
        f'"users":{_encode(users)},\n"tables":{{'
    )
    for index, name in enumerate(WORKSPACE_TABLES):
        yield f"{',' if index else ''}\n{_encode(name)}:["
        t = table(name)
        stmt = _scoped(name, workspace_id).order_by(*t.primary_key.columns)
        rows = conn.execution_options(yield_per=size).execute(stmt)
        keys = list(rows.keys())
        for number, chunk in enumerate(rows.partitions()):
            text = _encode([dict(zip(keys, row, strict=True)) for row in chunk])
            yield ("," if number else "") + text[1:-1]
        yield "]"
    yield "}}\n"


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one state of the database from start to end (an export that
    takes a while is still consistent while others write)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def stream_workspace(engine: Engine, workspace_id: int) -> Iterator[str]:
    """The export for a streamed response: its own connection, opened when sending begins."""
    with reading(engine) as conn:
        yield from write_workspace(conn, workspace_id)


def export_workspace(*, session: Session, workspace: Workspace) -> dict[str, Any]:
    """Every row of a workspace as one document in memory (small workspaces and tests)."""
    text = "".join(write_workspace(session.connection(), workspace.id or 0))
    document: dict[str, Any] = json.loads(text)
    return document


# ---- import ----------------------------------------------------------------------------------

# Rows written back per statement (and held, checked, before it).
BATCH_ROWS = 1_000


class IdMap:
    """A table's document ids and the ids their rows got here (0: a row not written). Two
    arrays searched by bisection while the ids come in order, as an export writes them: a few
    bytes a row, whatever the size of the workspace; a dict for a document in another order."""

    def __init__(self) -> None:
        self._old = array("q")
        self._new = array("q")
        self._map: dict[int, int] | None = None

    def add(self, old: int, new: int) -> None:
        if self._map is None and self._old and old <= self._old[-1]:
            self._map = dict(zip(self._old, self._new, strict=True))
            self._old, self._new = array("q"), array("q")
        if self._map is not None:
            self._map[old] = new
        else:
            self._old.append(old)
            self._new.append(new)

    def _find(self, old: int) -> int | None:
        if self._map is not None:
            return self._map.get(old)
        i = bisect_left(self._old, old)
        return self._new[i] if i < len(self._old) and self._old[i] == old else None

    def __contains__(self, old: int) -> bool:
        return self._find(old) is not None

    def get(self, old: int) -> int | None:
        """The new id of a row written here; None for an unknown id or a row not written."""
        return self._find(old) or None

    def new_ids(self) -> list[int]:
        values = self._new if self._map is None else self._map.values()
        return [new for new in values if new]


@dataclass
class Imported:
    workspace: Workspace
    rows: dict[str, int]  # rows read, by table


def import_workspace(
    *,
    session: Session,
    document: Any,
    importer: User | None = None,
    slug: str | None = None,
    name: str | None = None,
    members: bool = False,
) -> Workspace:
    """Write an export given as Python values back as a new workspace (see `import_export`)."""
    opened = reader.open_document(document)
    return import_export(
        session=session, opened=opened, importer=importer, slug=slug, name=name, members=members
    ).workspace


def import_file(
    *,
    session: Session,
    stream: IO[bytes],
    importer: User | None = None,
    slug: str | None = None,
    members: bool = False,
) -> Imported:
    """Write an export read from a file back as a new workspace, a few rows at a time."""
    opened = reader.open_stream(stream)
    return import_export(
        session=session, opened=opened, importer=importer, slug=slug, members=members
    )


def import_export(
    *,
    session: Session,
    opened: reader.Opened,
    importer: User | None = None,
    slug: str | None = None,
    name: str | None = None,
    members: bool = False,
) -> Imported:
    """Write an export back as a new workspace with new ids; no other workspace is touched.

    The document is untrusted: every row is checked before it is written, in the request's
    transaction, so a bad row anywhere leaves nothing behind. Its workspace_ids are ignored and
    every reference must name a row of the same document, met earlier. With an `importer` (a
    signed-in user), the importer becomes its admin and no account is created or changed; the
    export's other members get their roles back only with `members`, and only when they have
    an account here. Without one (an operator's restore on the command line), missing people
    get an account without a usable password and every membership comes back.
    """
    header = document_rules.check_header(opened.header, has_tables=opened.has_tables)
    slug = document_rules.check_slug(slug or header.workspace.get("slug"))
    if name is not None and not 0 < len(name) <= NAME_LENGTH:
        raise InvalidInput(f"The workspace name should have 1 to {NAME_LENGTH} characters.")
    seen: set[int] = set()
    for index, user in enumerate(header.users):
        if user["id"] in seen:
            raise InvalidInput(
                f"{document_rules.where('user', index, user)}: another user row of the export "
                "has the same id."
            )
        seen.add(user["id"])
    creator = header.workspace.get("created_by")
    if creator is not None and creator not in seen:
        raise InvalidInput(
            f"{document_rules.where('workspace', 0, header.workspace)}: created_by {creator} "
            "names a user that is not in this export.",
            details=[{"table": "workspace", "row": 0, "field": "created_by"}],
        )
    conn = session.connection()
    ws_table = table("workspace")
    if conn.execute(select(ws_table.c.id).where(ws_table.c.slug == slug)).first():
        raise Conflict(
            f"A workspace '{slug}' already exists; import it under another slug.",
            code="slug_taken",
        )
    accounts = _accounts(conn, header.users, create=None if importer else password_hash)
    ws_values = header.workspace | {"slug": slug}
    if name:
        ws_values["name"] = name
    ws_values.pop("id", None)
    if creator is not None:
        ws_values["created_by"] = accounts[creator]
    new_ws = conn.execute(insert(ws_table).returning(ws_table.c.id), [ws_values]).scalar_one()

    writer = _Writer(conn, new_ws, accounts, importer=importer, members=members)
    if creator is not None and accounts[creator] is None:
        writer.missing.add(creator)
    for table_name, index, row in opened.rows:
        writer.row(table_name, index, row)
    writer.finish()
    if writer.missing:
        _refuse_missing(header.users, writer.missing)
    session.expire_all()
    workspace = session.get(Workspace, new_ws)
    assert workspace is not None
    problems = writer.ids.get("problem")
    touch_problems(session, problems.new_ids() if problems else [])
    return Imported(workspace=workspace, rows=writer.counts)


class _Writer:
    """Checks each row of an export as it comes and writes it back in batches."""

    def __init__(
        self,
        conn: Connection,
        workspace_id: int,
        accounts: dict[int, int | None],
        *,
        importer: User | None,
        members: bool,
    ) -> None:
        self.conn = conn
        self.workspace_id = workspace_id
        self.accounts = accounts
        self.importer = importer
        self.members = members
        self.ids: dict[str, IdMap] = {}
        self.counts: dict[str, int] = {}
        self.missing: set[int] = set()  # document users named by a row, without an account
        self.table = ""
        self.batch: list[dict[str, Any]] = []
        self.batch_ids: list[int] = []
        self.keys: list[tuple[list[str], set[tuple[Any, ...]]]] = []
        self.importer_is_member = False

    def lookup(self, target: str, old: int) -> int | None:
        """A document id's new id, for ids inside snapshots: one not in this export would
        name a row of another workspace, so it becomes None."""
        if target == "workspace":
            return self.workspace_id
        if target == "user":
            return self.accounts.get(old)
        ids = self.ids.get(target)
        return ids.get(old) if ids else None

    def _defined(self, target: str, old: int) -> bool:
        if target == "user":
            return old in self.accounts
        ids = self.ids.get(target)
        return ids is not None and old in ids

    def _start(self, name: str) -> None:
        self._flush()
        if self.table and WORKSPACE_TABLES.index(name) <= WORKSPACE_TABLES.index(self.table):
            raise InvalidInput(
                f"The export's table '{name}' comes after '{self.table}': an export lists its "
                f"tables once each, in this order: {', '.join(WORKSPACE_TABLES)}."
            )
        self.table = name
        self.counts[name] = 0
        self.keys = [(columns, set()) for columns in _unique_keys(name)]
        if has_serial_id(name):
            self.ids[name] = IdMap()

    def row(self, name: str, index: int, raw: Any) -> None:
        row = document_rules.check_row(name, index, raw)
        if name != self.table:
            self._start(name)
        self.counts[name] += 1
        serial = has_serial_id(name)
        if serial and (row["id"] in self.ids[name] or row["id"] in self.batch_ids):
            raise InvalidInput(
                f"{document_rules.where(name, index, row)}: another {_label(name)} row of the "
                "export has the same id."
            )
        fks = {c: target for c, target in foreign_keys(name).items() if c != "workspace_id"}
        for column, target in fks.items():
            old = row.get(column)
            if old is not None and not self._defined(target, old):
                raise InvalidInput(
                    f"{document_rules.where(name, index, row)}: {column} {old} names a "
                    f"{_label(target)} that is not in this export.",
                    details=[{"table": name, "row": index, "field": column}],
                )
        if name == "membership" and self.importer is not None:
            if self.accounts[row["user_id"]] == self.importer.id:
                row["role"] = Role.admin
                self.importer_is_member = True
            elif not self.members:
                self.ids[name].add(row["id"], 0)  # left out: nothing to point at
                return
        value = dict(row)
        if "workspace_id" in table(name).c:
            value["workspace_id"] = self.workspace_id
        for column, target in fks.items():
            old = value.get(column)
            if old is None:
                continue
            if target == "user":
                value[column] = self.accounts[old]
                if value[column] is None:
                    self.missing.add(old)
            else:
                value[column] = self.ids[target].get(old)
        if name == "audit_event":
            entity = AUDIT_ENTITY_TABLES.get(value["entity"], value["entity"])
            if value.get("entity_id") is not None:
                value["entity_id"] = self.lookup(entity, value["entity_id"])
            for snapshot in ("before", "after"):
                value[snapshot] = remap_json(value.get(snapshot), self.lookup, entity=entity)
        for columns, seen in self.keys:
            key = tuple(value.get(c) for c in columns)
            if key in seen:
                raise InvalidInput(
                    f"{document_rules.where(name, index, value)}: repeats the "
                    f"{', '.join(columns)} of another {_label(name)} row."
                )
            seen.add(key)
        self.batch.append(value)
        if serial:
            self.batch_ids.append(row["id"])
        if len(self.batch) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Write the rows held; remember the ids they got."""
        batch, old_ids = self.batch, self.batch_ids
        self.batch, self.batch_ids = [], []
        if not batch:
            return
        ids = self.ids.get(self.table)
        if self.missing:  # the import will be refused: only check the rest
            for old in old_ids:
                ids.add(old, 0)  # type: ignore[union-attr]
            return
        t = table(self.table)
        # One statement per run of rows giving the same fields: a field left out of a crafted
        # row takes its column's default.
        for _, run in groupby(batch, key=lambda v: sorted(v)):
            rows = list(run)
            if ids is None:
                self.conn.execute(insert(t), rows)
                continue
            for row in rows:
                row.pop("id")
            new_ids = self.conn.execute(
                insert(t).returning(t.c.id, sort_by_parameter_order=True), rows
            ).scalars()
            for old, new in zip(old_ids[: len(rows)], new_ids, strict=True):
                ids.add(old, new)
            old_ids = old_ids[len(rows) :]

    def finish(self) -> None:
        self._flush()
        if self.missing:
            return
        if self.importer is not None and not self.importer_is_member:
            now = utcnow()
            self.conn.execute(
                insert(table("membership")),
                [
                    {
                        "workspace_id": self.workspace_id,
                        "user_id": self.importer.id,
                        "role": Role.admin,
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
        # A frozen scorecard may name decisions written after it, so it is remapped last.
        decisions = table("decision")
        written = self.conn.execute(
            select(decisions.c.id, decisions.c.scorecard).where(
                decisions.c.workspace_id == self.workspace_id
            )
        ).all()
        for decision_id, scorecard in written:
            if scorecard:
                self.conn.execute(
                    decisions.update()
                    .where(decisions.c.id == decision_id)
                    .values(scorecard=remap_json(scorecard, self.lookup))
                )


def _refuse_missing(users: list[dict[str, Any]], missing: set[int]) -> None:
    """Everyone the written rows name has an account here: an import creates none."""
    emails = sorted(u["email"] for u in users if u["id"] in missing)
    shown = ", ".join(emails[:10]) + (f" and {len(emails) - 10} more" if len(emails) > 10 else "")
    raise InvalidInput(
        f"{len(emails)} people named in this export have no account here: {shown}. Ask an "
        "admin to create their accounts (evident create-user), then import again.",
        code="unknown_people",
        details=[{"email": email} for email in emails],
    )


def _accounts(
    conn: Connection, users: list[dict[str, Any]], *, create: Any
) -> dict[int, int | None]:
    """Document user id -> the account with the same email here (None: no account). With a
    password hasher, missing accounts are created without a usable password (a restore)."""
    user_table = table("user")
    emails = {u["email"] for u in users}
    found: dict[str, int] = {
        email: id_
        for email, id_ in conn.execute(
            select(user_table.c.email, user_table.c.id).where(user_table.c.email.in_(emails))
        )
    }
    mapping: dict[int, int | None] = {}
    unusable: str | None = None
    for user in users:
        if user["email"] not in found and create is not None:
            # A password nobody knows: the person resets it (evident create-user / an admin).
            unusable = unusable or create.hash(secrets.token_urlsafe(32))
            values = user | {"password_hash": unusable}
            values.pop("id")
            found[user["email"]] = conn.execute(
                insert(user_table).returning(user_table.c.id), [values]
            ).scalar_one()
        mapping[user["id"]] = found.get(user["email"])
    return mapping


@cache
def _unique_keys(name: str) -> list[list[str]]:
    """The columns two rows of a table may not share (besides the id): two rows the database
    would hold as one (a person twice in the members, a tag twice on a problem) are a 422,
    not an integrity error."""
    t = table(name)
    return [
        [c.name for c in constraint.columns if c.name != "workspace_id"]
        for constraint in [t.primary_key, *t.constraints]
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
        and [c.name for c in constraint.columns] != ["id"]
    ]


def _label(name: str) -> str:
    return name.replace("_", " ")

"""Export a whole workspace (every row, soft-deleted ones and the audit log included) to one
JSON document, and read one back into an empty database or as a new workspace."""

import json
import secrets
from datetime import date, datetime
from enum import StrEnum
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, PrimaryKeyConstraint, UniqueConstraint, insert, select
from sqlmodel import Session

from app.auth.models import User
from app.auth.service import password_hash
from app.dataio import document as document_rules
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


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _rows(conn: Connection, name: str, workspace_id: int) -> list[dict[str, Any]]:
    t = table(name)
    if name in LINK_TABLES:
        column, parent = LINK_TABLES[name]
        parents = select(table(parent).c.id).where(table(parent).c.workspace_id == workspace_id)
        stmt = select(t).where(t.c[column].in_(parents))
    else:
        stmt = select(t).where(t.c.workspace_id == workspace_id)
    stmt = stmt.order_by(*t.primary_key.columns)
    return [
        {key: _json_value(value) for key, value in row._mapping.items()}
        for row in conn.execute(stmt)
    ]


def export_workspace(*, session: Session, workspace: Workspace) -> dict[str, Any]:
    """Every row of a workspace as one JSON-ready document."""
    conn = session.connection()
    ws_id = workspace.id or 0
    tables = {name: _rows(conn, name, ws_id) for name in WORKSPACE_TABLES}
    ws_row = conn.execute(select(table("workspace")).where(table("workspace").c.id == ws_id)).one()
    user_ids = {ws_row._mapping["created_by"]}
    for name, rows in tables.items():
        user_columns = [c for c, target in foreign_keys(name).items() if target == "user"]
        user_ids |= {row[c] for row in rows for c in user_columns}
    user_ids.discard(None)
    users_table = table("user")
    users = [
        {key: _json_value(row._mapping[key]) for key in USER_FIELDS}
        for row in conn.execute(
            select(users_table).where(users_table.c.id.in_(user_ids)).order_by(users_table.c.id)
        )
    ]
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "workspace": {key: _json_value(value) for key, value in ws_row._mapping.items()},
        "users": users,
        "tables": tables,
    }


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


# ---- import ----------------------------------------------------------------------------------


def load_document(data: bytes | str) -> Any:
    """The JSON of an uploaded export, or a 422 in words (never a RecursionError or a 500)."""
    return document_rules.load(data)


def import_workspace(
    *,
    session: Session,
    document: Any,
    importer: User | None = None,
    slug: str | None = None,
    name: str | None = None,
    members: bool = False,
) -> Workspace:
    """Write an export back as a new workspace with new ids; no other workspace is touched.

    The document is untrusted: it is checked whole before anything is written, its
    workspace_ids are ignored and every reference must name a row of the same document. With an
    `importer` (a signed-in user), the importer becomes its admin and no account is created or
    changed; the export's other members get their roles back only with `members`, and only
    when they have an account here. Without one (an operator's restore on the command line),
    missing people get an account without a usable password and every membership comes back.
    """

    parsed = document_rules.parse(document)
    slug = document_rules.check_slug(slug or parsed.workspace.get("slug"))
    if name is not None and not 0 < len(name) <= NAME_LENGTH:
        raise InvalidInput(f"The workspace name should have 1 to {NAME_LENGTH} characters.")
    _check_ids(parsed)
    _check_references(parsed)
    conn = session.connection()
    ws_table = table("workspace")
    if conn.execute(select(ws_table.c.id).where(ws_table.c.slug == slug)).first():
        raise Conflict(
            f"A workspace '{slug}' already exists; import it under another slug.",
            code="slug_taken",
        )
    accounts = _accounts(conn, parsed.users, create=None if importer else password_hash)
    tables = dict(parsed.tables)
    tables["membership"] = _memberships(
        parsed.tables.get("membership", []), accounts, importer=importer, members=members
    )
    _check_people(parsed, tables, accounts)

    ids: dict[str, dict[int, int | None]] = {"user": dict(accounts)}
    ws_values = parsed.workspace | {"slug": slug}
    if name:
        ws_values["name"] = name
    ws_values.pop("id", None)
    if ws_values.get("created_by") is not None:
        ws_values["created_by"] = accounts[ws_values["created_by"]]
    new_ws = conn.execute(insert(ws_table).returning(ws_table.c.id), [ws_values]).scalar_one()

    def loose(target: str, old: int) -> int | None:
        # Ids inside snapshots: one not in this export would name a row of another workspace.
        if target == "workspace":
            return new_ws
        return ids.get(target, {}).get(old)

    for name_ in WORKSPACE_TABLES:
        rows = tables.get(name_, [])
        if not rows:
            continue
        t = table(name_)
        fks = {c: target for c, target in foreign_keys(name_).items() if c != "workspace_id"}
        values = []
        for row in rows:
            value = dict(row)
            if "workspace_id" in t.c:
                value["workspace_id"] = new_ws
            for column, target in fks.items():
                if value.get(column) is not None:
                    value[column] = ids[target][value[column]]
            if name_ == "audit_event":
                entity = AUDIT_ENTITY_TABLES.get(value["entity"], value["entity"])
                if value.get("entity_id") is not None:
                    value["entity_id"] = loose(entity, value["entity_id"])
                for key in ("before", "after"):
                    value[key] = remap_json(value.get(key), loose, entity=entity)
            if name_ == "decision":
                value.pop("scorecard", None)  # remapped below, once every decision has its id
            values.append(value)
        _check_unique(name_, values)
        # One statement per run of rows giving the same fields: a field left out of a crafted
        # row takes its column's default.
        for _, run in groupby(values, key=lambda v: sorted(v)):
            batch = list(run)
            if has_serial_id(name_):
                old_ids = [v.pop("id") for v in batch]
                new_ids = (
                    conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), batch)
                    .scalars()
                    .all()
                )
                ids.setdefault(name_, {}).update(zip(old_ids, new_ids, strict=True))
            else:
                conn.execute(insert(t), batch)
    # A frozen scorecard may name decisions written after it, so it is remapped last.
    decisions = table("decision")
    for row in tables.get("decision", []):
        if row.get("scorecard"):
            conn.execute(
                decisions.update()
                .where(decisions.c.id == ids["decision"][row["id"]])
                .values(scorecard=remap_json(row["scorecard"], loose))
            )
    session.expire_all()
    workspace = session.get(Workspace, new_ws)
    assert workspace is not None
    touch_problems(session, [i for i in ids.get("problem", {}).values() if i is not None])
    return workspace


def _check_ids(parsed: document_rules.Parsed) -> None:
    """Every row's id is its own within its table: references resolve to one row."""
    sections = [("user", parsed.users)] + [
        (name, rows) for name, rows in parsed.tables.items() if has_serial_id(name)
    ]
    for name, rows in sections:
        seen: set[int] = set()
        for index, row in enumerate(rows):
            if row["id"] in seen:
                raise InvalidInput(
                    f"{document_rules.where(name, index, row)}: another {_label(name)} row "
                    "of the export has the same id."
                )
            seen.add(row["id"])


def _check_references(parsed: document_rules.Parsed) -> None:
    """Every foreign key names a row of this same document; its workspace_ids are ignored."""
    defined = {"user": {u["id"] for u in parsed.users}} | {
        name: {row["id"] for row in rows}
        for name, rows in parsed.tables.items()
        if has_serial_id(name)
    }
    sections = [("workspace", [parsed.workspace]), *parsed.tables.items()]
    for name, rows in sections:
        fks = {c: target for c, target in foreign_keys(name).items() if c != "workspace_id"}
        for index, row in enumerate(rows):
            for column, target in fks.items():
                old = row.get(column)
                if old is not None and old not in defined.get(target, set()):
                    raise InvalidInput(
                        f"{document_rules.where(name, index, row)}: {column} {old} names a "
                        f"{_label(target)} that is not in this export.",
                        details=[{"table": name, "row": index, "field": column}],
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


def _memberships(
    rows: list[dict[str, Any]],
    accounts: dict[int, int | None],
    *,
    importer: User | None,
    members: bool,
) -> list[dict[str, Any]]:
    """The memberships the new workspace gets: the importer as admin, and the export's others
    only when asked for (an operator's restore keeps them all)."""
    if importer is None:
        return rows
    kept = [
        row | {"role": Role.admin} if accounts[row["user_id"]] == importer.id else row
        for row in rows
        if members or accounts[row["user_id"]] == importer.id
    ]
    if not any(accounts[row["user_id"]] == importer.id for row in kept):
        # The importer's own row, named by a document id that maps to them.
        own = next((old for old, new in accounts.items() if new == importer.id), None)
        if own is None:
            own = min([*accounts, 0]) - 1
            accounts[own] = importer.id
        now = utcnow()
        kept.append(
            {"id": None, "user_id": own, "role": Role.admin, "created_at": now, "updated_at": now}
        )
    return kept


def _check_people(
    parsed: document_rules.Parsed,
    tables: dict[str, list[dict[str, Any]]],
    accounts: dict[int, int | None],
) -> None:
    """Everyone the written rows name has an account here: an import creates none."""
    named = {parsed.workspace.get("created_by")}
    for name, rows in tables.items():
        columns = [c for c, target in foreign_keys(name).items() if target == "user"]
        named |= {row.get(c) for row in rows for c in columns}
    named.discard(None)
    missing = sorted(u["email"] for u in parsed.users if u["id"] in named and not accounts[u["id"]])
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise InvalidInput(
            f"{len(missing)} people named in this export have no account here: {shown}. Ask an "
            "admin to create their accounts (evident create-user), then import again.",
            code="unknown_people",
            details=[{"email": email} for email in missing],
        )


def _check_unique(name: str, values: list[dict[str, Any]]) -> None:
    """Two rows the database would hold as one (a person twice in the members, a tag twice on
    a problem) are a 422, not an integrity error."""
    t = table(name)
    keys = [
        [c.name for c in constraint.columns if c.name != "workspace_id"]
        for constraint in [t.primary_key, *t.constraints]
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
        and [c.name for c in constraint.columns] != ["id"]
    ]
    for columns in keys:
        seen: set[tuple[Any, ...]] = set()
        for index, value in enumerate(values):
            key = tuple(value.get(c) for c in columns)
            if key in seen:
                raise InvalidInput(
                    f"{document_rules.where(name, index, value)}: repeats the "
                    f"{', '.join(columns)} of another {_label(name)} row."
                )
            seen.add(key)


def _label(name: str) -> str:
    return name.replace("_", " ")

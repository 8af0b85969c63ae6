"""Export a whole workspace (every row, soft-deleted ones and the audit log included) to one
JSON document, and read one back into an empty database or as a new workspace."""

import json
import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlmodel import Session

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
from app.errors import Conflict, InvalidInput
from app.workspaces.models import Workspace

FORMAT = "evident-workspace"
FORMAT_VERSION = 1
USER_FIELDS = ("id", "email", "name", "is_active", "created_at", "updated_at")


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


def _parse(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """JSON values back to Python values the column types take (timestamps, dates)."""
    t = table(name)
    parsed = {}
    for key, value in row.items():
        if key not in t.c:
            continue
        python_type = _python_type(t.c[key].type)
        if isinstance(value, str) and python_type is datetime:
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and python_type is date:
            value = date.fromisoformat(value)
        parsed[key] = value
    return parsed


def _python_type(column_type: Any) -> Any:
    """The Python type a column reads as; our TypeDecorators (UTCDateTime, EnumText) do not
    declare one, so SQLAlchemy raises and we ask the type they wrap."""
    try:
        return column_type.python_type
    except NotImplementedError:
        impl = getattr(column_type, "impl", None)
        return _python_type(impl) if impl is not None else None


def check_document(document: Any) -> dict[str, Any]:
    """The document, when it is a workspace export this version can read."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput("This file is not an Evident workspace export.")
    if document.get("version") != FORMAT_VERSION:
        raise InvalidInput(
            f"This export has format version {document.get('version')}; this Evident reads "
            f"version {FORMAT_VERSION}."
        )
    for key in ("workspace", "users", "tables"):
        if key not in document:
            raise InvalidInput(f"The export has no '{key}' section; is the file complete?")
    return document


def import_workspace(
    *,
    session: Session,
    document: dict[str, Any],
    slug: str | None = None,
    name: str | None = None,
) -> Workspace:
    """Write an exported workspace back, with new ids; users are matched by email (missing
    ones are created without a usable password). Refuses a slug that is taken."""
    from app.auth.service import password_hash

    document = check_document(document)
    conn = session.connection()
    source = document["workspace"]
    slug = slug or source["slug"]
    ws_table = table("workspace")
    if conn.execute(select(ws_table.c.id).where(ws_table.c.slug == slug)).first():
        raise Conflict(
            f"A workspace '{slug}' already exists; import it under another slug.",
            code="slug_taken",
        )
    ids: dict[str, dict[int, int]] = {}
    ids["user"] = _users(conn, document["users"], password_hash)

    def lookup(target: str, old: int) -> int:
        return ids.get(target, {}).get(old, old)

    ws_values = _parse("workspace", source) | {"slug": slug}
    if name:
        ws_values["name"] = name
    ws_values.pop("id", None)
    ws_values["created_by"] = lookup("user", source.get("created_by") or 0) or None
    new_ws = conn.execute(insert(ws_table).returning(ws_table.c.id), [ws_values]).scalar_one()
    ids["workspace"] = {source["id"]: new_ws}

    for name_ in WORKSPACE_TABLES:
        rows = document["tables"].get(name_, [])
        if not rows:
            continue
        t = table(name_)
        fks = foreign_keys(name_)
        values = []
        for row in rows:
            value = _parse(name_, row)
            for column, target in fks.items():
                if value.get(column) is not None:
                    value[column] = lookup(target, value[column])
            if name_ == "audit_event":
                entity = AUDIT_ENTITY_TABLES.get(value["entity"], value["entity"])
                if value.get("entity_id") is not None:
                    value["entity_id"] = lookup(entity, value["entity_id"])
                for key in ("before", "after"):
                    value[key] = remap_json(value.get(key), lookup, entity=entity)
            values.append(value)
        if has_serial_id(name_):
            old_ids = [v.pop("id") for v in values]
            new_ids = (
                conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), values)
                .scalars()
                .all()
            )
            ids[name_] = dict(zip(old_ids, new_ids, strict=True))
        else:
            conn.execute(insert(t), values)
    # A frozen scorecard may name decisions written after it, so it is remapped last.
    decisions = table("decision")
    for row in document["tables"].get("decision", []):
        if row.get("scorecard"):
            conn.execute(
                decisions.update()
                .where(decisions.c.id == ids["decision"][row["id"]])
                .values(scorecard=remap_json(row["scorecard"], lookup))
            )
    session.expire_all()
    workspace = session.get(Workspace, new_ws)
    assert workspace is not None
    touch_problems(session, ids.get("problem", {}).values())
    return workspace


def _users(conn: Connection, users: list[dict[str, Any]], hasher: Any) -> dict[int, int]:
    """Old user id -> the id of the user with the same email here, created when missing."""
    user_table = table("user")
    mapping: dict[int, int] = {}
    unusable: str | None = None
    for user in users:
        email = str(user["email"]).strip().lower()
        found = conn.execute(select(user_table.c.id).where(user_table.c.email == email)).first()
        if found is not None:
            mapping[user["id"]] = found[0]
            continue
        # A password nobody knows: the person resets it (evident create-user / an admin).
        unusable = unusable or hasher.hash(secrets.token_urlsafe(32))
        values = _parse("user", user) | {"email": email, "password_hash": unusable}
        values.pop("id", None)
        mapping[user["id"]] = conn.execute(
            insert(user_table).returning(user_table.c.id), [values]
        ).scalar_one()
    return mapping

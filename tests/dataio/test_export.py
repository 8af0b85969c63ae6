"""Workspace export and import: the round trip loses nothing."""

import json
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from app.dataio.export import export_workspace, import_workspace
from app.dataio.tables import (
    AUDIT_ENTITY_TABLES,
    foreign_keys,
    has_serial_id,
    remap_json,
)
from app.workspaces.models import Workspace
from tests.factories import Api


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every id replaced by its rank in its table, so two exports of the
    same content compare equal whatever ids the database handed out."""
    ranks: dict[str, dict[int, int]] = {
        "workspace": {document["workspace"]["id"]: 0},
        "user": {
            u["id"]: i for i, u in enumerate(sorted(document["users"], key=lambda u: u["id"]))
        },
    }
    for name, rows in document["tables"].items():
        if has_serial_id(name):
            ranks[name] = {old: i for i, old in enumerate(sorted(r["id"] for r in rows))}

    def lookup(table: str, old: int) -> int:
        return ranks.get(table, {}).get(old, old)

    tables = {}
    for name, rows in document["tables"].items():
        fks = foreign_keys(name)
        out = []
        for row in rows:
            row = dict(row)
            if "id" in row and has_serial_id(name):
                row["id"] = lookup(name, row["id"])
            for column, target in fks.items():
                if row.get(column) is not None:
                    row[column] = lookup(target, row[column])
            if name == "audit_event":
                entity = AUDIT_ENTITY_TABLES.get(row["entity"], row["entity"])
                if row["entity_id"] is not None:
                    row["entity_id"] = lookup(entity, row["entity_id"])
                row["before"] = remap_json(row["before"], lookup, entity=entity)
                row["after"] = remap_json(row["after"], lookup, entity=entity)
            if name == "decision":
                row["scorecard"] = remap_json(row["scorecard"], lookup)
            out.append(row)
        tables[name] = out
    workspace = {k: v for k, v in document["workspace"].items() if k not in ("id", "slug")}
    workspace["created_by"] = lookup("user", workspace["created_by"])
    users = [{k: v for k, v in u.items() if k != "id"} for u in document["users"]]
    return {"workspace": workspace, "users": users, "tables": tables}


def first_diff(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON values first differ, for a readable failure; None when equal."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}: missing in one ({k in a}, {k in b})"
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: len {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def seeded(demo: Api) -> Api:
    """The demo workspace, with a deleted and a restored row on top; Ada in 'acme'."""
    items = demo.ok(demo.get("evidence", params={"limit": 3}))["items"]
    demo.ok(demo.delete(f"evidence/{items[0]['id']}"))
    demo.ok(demo.delete(f"evidence/{items[1]['id']}"))
    demo.ok(demo.post(f"evidence/{items[1]['id']}/restore"))
    return Api(demo.client, demo.token, "acme", demo.user_id)


def exported(engine: Engine, slug: str) -> dict[str, Any]:
    with Session(engine) as session:
        workspace = session.exec(select(Workspace).where(Workspace.slug == slug)).one()
        return export_workspace(session=session, workspace=workspace)


def test_round_trip_as_a_new_workspace_is_lossless(demo: Api, engine: Engine) -> None:
    api = seeded(demo)
    first = api.ok(api.client.get("/api/v1/workspaces/demo/export", headers=api.headers))
    assert sum(1 for e in first["tables"]["evidence_item"] if e["deleted_at"]) == 1
    assert len(first["tables"]["audit_event"]) > 300

    response = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        files={"file": ("demo.json", json.dumps(first), "application/json")},
        # The demo's team have accounts here, so asked for, they keep their roles.
        data={"slug": "demo-copy", "members": "true"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == "demo-copy"
    second = exported(engine, "demo-copy")

    assert second["workspace"]["id"] != first["workspace"]["id"]
    assert first_diff(normalised(second), normalised(first)) is None
    # The copy scores the same as the original.
    copy = Api(api.client, api.token, "demo-copy", api.user_id)
    original = Api(api.client, api.token, "demo", api.user_id)
    board = {p["title"]: p for p in original.ok(original.get("problems"))["items"]}
    for problem in copy.ok(copy.get("problems"))["items"]:
        card = copy.ok(copy.get(f"problems/{problem['id']}/scorecard"))
        same = original.ok(original.get(f"problems/{board[problem['title']]['id']}/scorecard"))
        assert card["pain"]["value"] == same["pain"]["value"]
        assert card["recommendation"]["value"] == same["recommendation"]["value"]


def test_restore_into_an_empty_database(demo: Api, engine: Engine) -> None:
    seeded(demo)
    first = exported(engine, "demo")
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
    with Session(engine) as session:
        workspace = import_workspace(session=session, document=first)
        session.commit()
        assert workspace.slug == "demo"
    second = exported(engine, "demo")
    assert first_diff(normalised(second), normalised(first)) is None


def test_import_refuses_a_taken_slug_and_a_foreign_file(api: Api) -> None:
    document = api.ok(api.client.get("/api/v1/workspaces/acme/export", headers=api.headers))
    taken = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        files={"file": ("acme.json", json.dumps(document), "application/json")},
    )
    assert taken.status_code == 409
    assert "already exists" in taken.json()["error"]["message"]
    foreign = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        files={"file": ("x.json", b'{"hello": 1}', "application/json")},
    )
    assert foreign.status_code == 422
    assert "not an Evident workspace export" in foreign.json()["error"]["message"]


def test_only_admins_export(api: Api) -> None:
    viewer = api.as_member("vic@example.com", "viewer")
    response = viewer.client.get("/api/v1/workspaces/acme/export", headers=viewer.headers)
    assert response.status_code == 403

"""A workspace export is untrusted input: importing one makes a new workspace and never reaches
another, refuses what no column can hold, and creates or changes nobody's account."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.dataio.document import MAX_DEPTH
from app.dataio.export import import_workspace
from app.dataio.tables import (
    AUDIT_ENTITY_TABLES,
    WORKSPACE_TABLES,
    foreign_keys,
    has_serial_id,
    remap_json,
    table,
)
from app.errors import InvalidInput
from tests.factories import Api

STAMP = "2026-01-05T10:00:00+00:00"
WITH_WORKSPACE_ID = [n for n in WORKSPACE_TABLES if "workspace_id" in table(n).c]
# Every reference a document can hold: each foreign key column of each table, but the
# workspace_ids, which an import ignores.
REFERENCES = [("workspace", "created_by")] + [
    (name, column)
    for name in WORKSPACE_TABLES
    for column, target in sorted(foreign_keys(name).items())
    if column != "workspace_id"
]


def upload(api: Api, document: Any, **form: str) -> Any:
    body = document if isinstance(document, str | bytes) else json.dumps(document)
    return api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        files={"file": ("export.json", body, "application/json")},
        data=form,
    )


def message(response: Any) -> str:
    return str(response.json()["error"]["message"])


def workspace_id(api: Api, slug: str) -> int:
    me = api.client.get("/api/v1/me", headers=api.headers).json()
    return next(w["id"] for w in me["workspaces"] if w["slug"] == slug)


def fill(api: Api) -> None:
    """One row or more of every table of a workspace, through the API."""
    segment = api.segment()
    participant = api.participant(segment_id=segment["id"])
    problem = api.problem(tags=["exports", "close"])
    api.ok(
        api.patch(
            f"problems/{problem['id']}",
            json={"version": problem["version"], "kill_criteria": {"pain": 40}},
        )
    )
    interview = api.interview(participant_id=participant["id"], problem_ids=[problem["id"]])
    api.evidence(problem["id"], interview_id=interview["id"], participant_id=participant["id"])
    assumption = api.assumption(problem["id"])
    api.test_card(assumption["id"])
    api.ok(
        api.post(
            "decisions",
            json={"problem_id": problem["id"], "kind": "pivot", "rationale": "Exports first."},
        ),
        201,
    )


def export_of(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = api.ok(api.get("export"))
    # CSV imports are not driven from here; a row of their ledger is written as the file has it.
    evidence = document["tables"]["evidence_item"][0]
    document["tables"]["imported_row"] = [
        {
            "id": 41,
            "workspace_id": document["workspace"]["id"],
            "row_key": "f" * 64,
            "evidence_id": evidence["id"],
            "source": "highlights.csv",
            "imported_at": STAMP,
        }
    ]
    return document


@pytest.fixture
def scene(client: TestClient, snapshot: Callable[..., Any]) -> dict[str, tuple[str, int]]:
    """Ada, admin of 'acme' with rows of every kind; Mallory, admin of her own 'mal' (where
    Vic is a viewer): their tokens and ids. Set once, copied into each test's database."""

    def build() -> dict[str, tuple[str, int]]:
        ada = Api.signed_up(client, email="ada@example.com", workspace="acme")
        fill(ada)
        mallory = Api.signed_up(client, email="mallory@example.com", workspace="mal")
        mallory.as_member("vic@example.com", "viewer")
        return {"ada": (ada.token, ada.user_id), "mallory": (mallory.token, mallory.user_id)}

    return snapshot("untrusted-import", build)  # type: ignore[no-any-return]


@pytest.fixture
def api(client: TestClient, scene: dict[str, tuple[str, int]]) -> Api:
    token, user_id = scene["ada"]
    return Api(client, token, "acme", user_id)


@pytest.fixture
def victim(api: Api) -> Api:
    """Ada, admin of 'acme', with rows of every kind."""
    return api


@pytest.fixture
def mallory(client: TestClient, scene: dict[str, tuple[str, int]]) -> Api:
    """Another signed-in user, admin of her own 'mal' (where Vic is a viewer)."""
    token, user_id = scene["mallory"]
    return Api(client, token, "mal", user_id)


_made: dict[str, dict[str, Any]] = {}
# The kept export's ids are moved this far, so they never meet the ids of a test's own rows.
ID_OFFSET = 100_000


def shifted(document: dict[str, Any], offset: int) -> dict[str, Any]:
    """The same export with every id (and every reference to one) moved by `offset`."""

    def move(_table: str, old: int) -> int:
        return old + offset

    document["workspace"]["id"] += offset
    document["workspace"]["created_by"] += offset
    for user in document["users"]:
        user["id"] += offset
    for name, rows in document["tables"].items():
        columns = [c for c in foreign_keys(name) if c != "workspace_id"]
        for row in rows:
            if has_serial_id(name):
                row["id"] += offset
            for column in columns:
                if row[column] is not None:
                    row[column] += offset
            if name == "audit_event":
                entity = AUDIT_ENTITY_TABLES.get(row["entity"], row["entity"])
                if row["entity_id"] is not None:
                    row["entity_id"] += offset
                row["before"] = remap_json(row["before"], move, entity=entity)
                row["after"] = remap_json(row["after"], move, entity=entity)
            if name == "decision":
                row["scorecard"] = remap_json(row["scorecard"], move)
    return document


@pytest.fixture
def document(mallory: Api) -> dict[str, Any]:
    """An export of Mallory's 'mal' with a row of every table in it. Made once (filling a
    workspace is slow); it holds all it needs but the accounts, which every test has."""
    if "mal" not in _made:
        fill(mallory)
        _made["mal"] = shifted(export_of(mallory), ID_OFFSET)
    document = copy.deepcopy(_made["mal"])
    assert {n for n, rows in document["tables"].items() if rows} == set(WORKSPACE_TABLES)
    return document


def counts(engine: Engine, workspace: int) -> dict[str, int]:
    """Rows per table that belong to one workspace."""
    result = {}
    with engine.connect() as conn:
        for name in WITH_WORKSPACE_ID:
            t = table(name)
            result[name] = conn.execute(
                select(func.count()).select_from(t).where(t.c.workspace_id == workspace)
            ).scalar_one()
    return result


def user_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        users = table("user")
        return [
            tuple(row)
            for row in conn.execute(
                select(users.c.id, users.c.email, users.c.name, users.c.is_active).order_by(
                    users.c.id
                )
            )
        ]


def members_of(api: Api, slug: str) -> dict[str, str]:
    ws = Api(api.client, api.token, slug, api.user_id)
    return {m["user"]["email"]: m["role"] for m in ws.ok(ws.get("members"))}


# ---- the escalation --------------------------------------------------------------------------


def test_a_crafted_membership_does_not_make_the_importer_admin_elsewhere(
    api: Api, mallory: Api, client: TestClient
) -> None:
    victim = workspace_id(api, "acme")
    document = {
        "format": "evident-workspace",
        "version": 1,
        "exported_at": STAMP,
        "workspace": {"id": 900, "slug": "harmless", "name": "Harmless"},
        "users": [{"id": 7, "email": "mallory@example.com", "name": "M", "is_active": True}],
        "tables": {
            "membership": [
                {
                    "id": 1,
                    "workspace_id": victim,
                    "user_id": 7,
                    "role": "admin",
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
            ]
        },
    }
    response = upload(mallory, document)
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == "harmless"

    # Mallory cannot act as an admin of Ada's workspace, nor even read it.
    acme = Api(client, mallory.token, "acme", mallory.user_id)
    assert acme.get("members").status_code in (403, 404)
    grab = acme.post("members", json={"email": "mallory@example.com", "role": "admin"})
    assert grab.status_code in (403, 404)
    assert acme.get("export").status_code in (403, 404)
    assert members_of(api, "acme") == {"ada@example.com": "admin"}
    # She is admin of the workspace she imported, and the row landed there.
    assert members_of(mallory, "harmless") == {"mallory@example.com": "admin"}


# ---- every table: foreign workspaces and unknown references ---------------------------------


@pytest.mark.parametrize("name", WITH_WORKSPACE_ID)
def test_a_row_naming_another_workspace_lands_in_the_new_one(
    name: str, api: Api, mallory: Api, document: dict[str, Any], engine: Engine
) -> None:
    victim = api
    acme = workspace_id(victim, "acme")
    for row in document["tables"][name]:
        row["workspace_id"] = acme
    before = counts(engine, acme)

    response = upload(mallory, document, slug="copy", members="true")

    assert response.status_code == 201, response.text
    assert counts(engine, acme) == before
    copied = counts(engine, response.json()["id"])
    assert copied[name] == len(document["tables"][name])
    assert members_of(victim, "acme") == {"ada@example.com": "admin"}


@pytest.mark.parametrize(("name", "column"), REFERENCES)
def test_a_reference_to_a_row_not_in_the_export_is_refused(
    name: str, column: str, victim: Api, mallory: Api, document: dict[str, Any], engine: Engine
) -> None:
    # Ada's rows: real ids of this database, but of another workspace than the export's.
    foreign = export_of(victim)
    target = dict(foreign_keys(name))[column]
    outside = victim.user_id if target == "user" else foreign["tables"][target][0]["id"]
    if name == "workspace":
        document["workspace"][column] = outside
        place = "workspace"
    else:
        document["tables"][name][0][column] = outside
        place = f"tables.{name}[0]"
    acme = workspace_id(victim, "acme")
    before, people = counts(engine, acme), user_rows(engine)

    response = upload(mallory, document, slug="copy", members="true")

    assert response.status_code == 422, response.text
    assert place in message(response)
    assert f"{column} {outside} names a" in message(response)
    assert "not in this export" in message(response)
    assert (counts(engine, acme), user_rows(engine)) == (before, people)
    me = mallory.ok(mallory.client.get("/api/v1/me", headers=mallory.headers))
    assert "copy" not in {w["slug"] for w in me["workspaces"]}


def test_ids_inside_snapshots_never_point_outside_the_new_workspace(
    victim: Api, mallory: Api, document: dict[str, Any]
) -> None:
    foreign = export_of(victim)
    problem = foreign["tables"]["problem"][0]["id"]
    own = document["tables"]["problem"][0]["id"]
    document["tables"]["audit_event"] = [
        {
            "id": 1,
            "workspace_id": foreign["workspace"]["id"],
            "action": "update",
            "entity": "problem",
            "entity_id": problem,
            "at": STAMP,
            "before": {"owner_id": victim.user_id, "workspace_id": foreign["workspace"]["id"]},
            "after": {"problem_ids": [own, problem]},
        }
    ]
    response = upload(mallory, document, slug="copy")
    assert response.status_code == 201, response.text

    copy_ = Api(mallory.client, mallory.token, "copy", mallory.user_id)
    [event] = copy_.ok(copy_.get("export"))["tables"]["audit_event"]
    new_problem = copy_.ok(copy_.get("problems"))["items"][0]["id"]
    assert event["workspace_id"] == response.json()["id"]
    assert event["entity_id"] is None
    assert event["before"] == {"owner_id": None, "workspace_id": response.json()["id"]}
    assert event["after"] == {"problem_ids": [new_problem, None]}


def test_only_the_importer_becomes_a_member_unless_asked(
    mallory: Api, document: dict[str, Any]
) -> None:
    assert members_of(mallory, "mal") == {
        "mallory@example.com": "admin",
        "vic@example.com": "viewer",
    }
    assert upload(mallory, document, slug="alone").status_code == 201
    assert members_of(mallory, "alone") == {"mallory@example.com": "admin"}

    assert upload(mallory, document, slug="team", members="true").status_code == 201
    assert members_of(mallory, "team") == {
        "mallory@example.com": "admin",
        "vic@example.com": "viewer",
    }


def test_the_importer_is_admin_whatever_the_export_says(
    mallory: Api, document: dict[str, Any]
) -> None:
    for row in document["tables"]["membership"]:
        row["role"] = "viewer"
    assert upload(mallory, document, slug="copy", members="true").status_code == 201
    assert members_of(mallory, "copy") == {
        "mallory@example.com": "admin",
        "vic@example.com": "viewer",
    }


def test_people_without_an_account_are_refused_and_not_created(
    mallory: Api, document: dict[str, Any], engine: Engine
) -> None:
    vic = next(u for u in document["users"] if u["email"] == "vic@example.com")
    vic["email"] = "ghost@example.com"
    people = user_rows(engine)

    # Left out (the default), the ghost's membership is ignored and nobody is created.
    assert upload(mallory, document, slug="quiet").status_code == 201
    assert members_of(mallory, "quiet") == {"mallory@example.com": "admin"}
    # Asked for, a membership needs an account: refused, in words, and still nobody created.
    response = upload(mallory, document, slug="loud", members="true")
    assert response.status_code == 422, response.text
    assert "ghost@example.com" in message(response)
    assert "no account here" in message(response)
    # Work attributed to the ghost needs an account too.
    document["tables"]["problem"][0]["owner_id"] = vic["id"]
    response = upload(mallory, document, slug="owned")
    assert response.status_code == 422, response.text
    assert "ghost@example.com" in message(response)
    assert user_rows(engine) == people


def test_user_rows_never_change_an_account(
    api: Api, mallory: Api, document: dict[str, Any], engine: Engine
) -> None:
    document["users"].append(
        {"id": 999, "email": "ADA@example.com", "name": "Hacked", "is_active": False}
    )
    document["tables"]["membership"].append(
        {"id": 999, "workspace_id": 1, "user_id": 999, "role": "viewer"}
    )
    people = user_rows(engine)
    assert upload(mallory, document, slug="copy", members="true").status_code == 201
    assert user_rows(engine) == people
    assert members_of(mallory, "copy")["ada@example.com"] == "viewer"
    assert members_of(api, "acme") == {"ada@example.com": "admin"}

    document["users"][0]["password_hash"] = "$argon2id$known"
    response = upload(mallory, document, slug="copy-2")
    assert response.status_code == 422
    assert "password_hash: not a field this row has" in message(response)
    assert user_rows(engine) == people


# ---- the shape of the document ---------------------------------------------------------------


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to a document: `tables.problem.0.title` set to a value."""

    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


REFUSED = {
    "unknown table": (put("tables.api_token", [{"id": 1}]), "a table a workspace does not have"),
    "unknown field": (put("tables.problem.0.is_admin", True), "is_admin: not a field"),
    "missing field": (put("tables.membership.0", {"id": 5, "user_id": 1}), "role: missing"),
    "unknown section": (put("secrets", {}), "section this Evident does not know"),
    "text too long": (put("tables.problem.0.title", "x" * 201), "at most 200 characters"),
    "wrong type": (put("tables.segment.0.size", "many"), "valid integer"),
    "unknown role": (put("tables.membership.0.role", "owner"), "'viewer'"),
    "integer beyond the column": (
        put("tables.segment.0.version", 2**31),
        "less than or equal to 2147483647",
    ),
    "integer beyond its range": (
        put("tables.problem.0.kill_min_participants", 0),
        "greater than or equal to 1",
    ),
    "integer beyond 64 bits": (put("tables.segment.0.size", 2**64), "too large to store"),
    "id beyond the column": (
        put("tables.segment.0.id", 2**40),
        "id: Input should be less than or equal to 2147483647",
    ),
    "severity out of range": (
        put("tables.evidence_item.0.severity", 9),
        "severity: Input should be less than or equal to 5",
    ),
    "NaN": (put("tables.problem.0.feasibility_estimate", float("nan")), "not a number"),
    "Infinity": (put("workspace.pain_threshold", float("inf")), "not a number"),
    "NaN in a snapshot": (put("tables.audit_event.0.after", {"pain": float("nan")}), "not a"),
    "NUL in text": (put("tables.problem.0.title", "Close\x00month"), "NUL"),
    "NUL in a snapshot": (put("tables.audit_event.0.after", {"title": "a\x00"}), "NUL"),
    "NUL in a key": (put("tables.audit_event.0.after", {"ti\x00tle": "a"}), "not plain text"),
    "NUL in an email": (put("users.0.email", "x\x00@example.com"), "NUL"),
    "deep snapshot": (put("tables.audit_event.0.after", nested(MAX_DEPTH)), "nested more than"),
    "time as a number": (put("tables.problem.0.created_at", 1_700_000_000), "ISO 8601"),
    "bad slug": (put("workspace.slug", "Not a slug!"), "cannot name a workspace"),
    "two rows, one id": (
        lambda d: d["tables"]["segment"].append(dict(d["tables"]["segment"][0])),
        "same id",
    ),
    "a tag twice": (
        lambda d: d["tables"]["problem_tag"].append(dict(d["tables"]["problem_tag"][0])),
        "repeats the problem_id, tag",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_document_with_what_no_column_holds_is_refused(
    case: str, mallory: Api, document: dict[str, Any], engine: Engine
) -> None:
    change, words = REFUSED[case]
    document["workspace"]["slug"] = "copy"
    change(document)
    mal = workspace_id(mallory, "mal")
    before, people = counts(engine, mal), user_rows(engine)
    # NaN and Infinity as JSON writes them when asked to (not standard JSON).
    response = upload(mallory, json.dumps(document, allow_nan=True), members="true")
    assert response.status_code == 422, response.text
    assert words in message(response)
    assert (counts(engine, mal), user_rows(engine)) == (before, people)
    assert mallory.client.get("/api/v1/workspaces/copy", headers=mallory.headers).status_code in (
        403,
        404,
    )


def test_the_same_checks_hold_for_a_document_given_as_python_values(
    document: dict[str, Any], session: Session
) -> None:
    for case, (change, words) in REFUSED.items():
        bad = copy.deepcopy(document)
        bad["workspace"]["slug"] = "copy"
        change(bad)
        with pytest.raises(InvalidInput) as raised:
            import_workspace(session=session, document=bad, importer=None)
        assert words in raised.value.message, case
        session.rollback()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "nested more than"),
        ('{"format": "evident-workspace", "version": ' + "9" * 5000 + "}", "not valid JSON"),
        ('{"format": "evident-workspace", "version": NaN}', "not a number"),
        ('{"format": "evident-workspace", "version": -Infinity}', "not a number"),
        (b'{"format": "\xff"}', "not UTF-8"),
    ],
    ids=["deep list", "deep object", "huge integer", "NaN", "Infinity", "not UTF-8"],
)
def test_a_file_json_cannot_read_safely_is_refused_in_words(
    body: str | bytes, words: str, api: Api
) -> None:
    response = upload(api, body)
    assert response.status_code == 422, response.text
    assert words in message(response)


def test_a_deep_document_given_as_python_values_is_refused(session: Session) -> None:
    # Deeper than Python's own recursion limit: checked without recursing.
    document = {"format": "evident-workspace", "version": 1, "tables": nested(100_000)}
    with pytest.raises(InvalidInput, match="nested more than"):
        import_workspace(session=session, document=document)


def test_a_bad_slug_asked_for_is_refused(mallory: Api, document: dict[str, Any]) -> None:
    for slug in ("Bad Slug", "x" * 65, "-edge"):
        response = upload(mallory, document, slug=slug)
        assert response.status_code == 422, response.text
        assert "cannot name a workspace" in message(response)


# ---- the command line ------------------------------------------------------------------------


def test_the_command_imports_as_a_user_without_the_export_s_members(
    cli: Callable[..., Any],
    api: Api,
    mallory: Api,
    document: dict[str, Any],
    tmp_path: Any,
    engine: Engine,
) -> None:
    acme = workspace_id(api, "acme")
    for row in document["tables"]["membership"]:
        row["workspace_id"] = acme
    path = tmp_path / "mal.json"
    path.write_text(json.dumps(document))
    people = user_rows(engine)

    result = cli("import", "workspace", str(path), "-w", "mine", "--email", "mallory@example.com")
    assert result.exit_code == 0, result.output
    assert members_of(mallory, "mine") == {"mallory@example.com": "admin"}
    result = cli(
        "import",
        "workspace",
        str(path),
        "-w",
        "ours",
        "--email",
        "mallory@example.com",
        "--members",
    )
    assert result.exit_code == 0, result.output
    assert members_of(mallory, "ours") == {
        "mallory@example.com": "admin",
        "vic@example.com": "viewer",
    }
    assert user_rows(engine) == people
    assert members_of(api, "acme") == {"ada@example.com": "admin"}


def test_the_command_refuses_a_deep_file_in_words(cli: Callable[..., Any], tmp_path: Any) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("import", "workspace", str(path))
    assert result.exit_code == 1
    assert "nested more than" in result.output
    assert "Traceback" not in result.output

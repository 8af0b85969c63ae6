"""The data commands of `evident`: seed, export, import, backup, participant."""

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IS_POSTGRES
from tests.factories import Api

Cli = Callable[..., Any]


def test_seed_demo_is_idempotent(cli: Cli, api: Api) -> None:
    first = cli("seed", "demo", "--email", "ada@example.com")
    assert first.exit_code == 0, first.output
    assert "Loaded the demo workspace demo" in first.stdout
    again = cli("seed", "demo")
    assert again.exit_code == 0, again.output
    assert "already there; nothing changed" in again.stdout
    demo = Api(api.client, api.token, "demo", api.user_id)
    assert demo.ok(demo.get("problems"))["total"] == 8


def test_seed_without_any_user_says_what_to_do(cli: Cli) -> None:
    result = cli("seed", "demo")
    assert result.exit_code == 1
    assert "evident create-user" in result.output


def test_export_then_import_as_a_new_workspace(cli: Cli, api: Api, tmp_path: Path) -> None:
    problem = api.problem(title="Exports break at month end")
    api.evidence(problem["id"])
    out = tmp_path / "acme.json"
    result = cli("export", "--workspace", "acme", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["format"] == "evident-workspace"

    taken = cli("import", "workspace", str(out))
    assert taken.exit_code == 1
    assert "already exists" in taken.output

    result = cli("import", "workspace", str(out), "--workspace", "acme-restored")
    assert result.exit_code == 0, result.output
    assert "Imported workspace acme-restored" in result.stdout
    copy = Api(api.client, api.token, "acme-restored", api.user_id)
    assert [p["title"] for p in copy.ok(copy.get("problems"))["items"]] == [
        "Exports break at month end"
    ]


def test_import_of_a_file_that_is_not_json(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    result = cli("import", "workspace", str(bad))
    assert result.exit_code == 1
    assert "is not a JSON export" in result.output


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite backup")
def test_backup_command(cli: Cli, api: Api, tmp_path: Path) -> None:
    api.problem()
    result = cli("backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.stdout
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM problem").fetchone() == (1,)
    conn.close()


def test_participant_export_and_erase(cli: Cli, api: Api) -> None:
    person = api.participant(name="Grace Hopper", contact="grace@example.com")
    exported = cli("participant", "export", str(person["id"]), "--workspace", "acme")
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["participant"]["contact"] == "grace@example.com"
    erased = cli("participant", "erase", str(person["id"]), "--workspace", "acme", "--yes")
    assert erased.exit_code == 0, erased.output
    assert f"Erased participant {person['id']}" in erased.stdout
    assert api.ok(api.get(f"participants/{person['id']}"))["contact"] == ""

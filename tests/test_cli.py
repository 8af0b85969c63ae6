"""The `evident` command line, run against the test's database."""

import http.client
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.cli import listening_socket
from app.config import get_settings
from tests.conftest import alembic_config

Cli = Callable[..., Any]
PASSWORD = "correct horse battery staple"


def test_migrate_reports_the_head_revision(cli: Cli) -> None:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    result = cli("migrate")
    assert result.exit_code == 0, result.output
    assert f"is at revision {head} (head)" in result.stdout


def test_migrate_creates_an_empty_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENT_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("EVIDENT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh" / "evident.db").exists()
    assert (tmp_path / "fresh" / "secret_key").exists()
    # Only their owner can read the database, its secret and the folder holding them.
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700
    for name in ("evident.db", "secret_key"):
        assert stat.S_IMODE((tmp_path / "fresh" / name).stat().st_mode) == 0o600


def test_create_user_then_sign_in(cli: Cli, client: TestClient) -> None:
    result = cli("create-user", "--email", "Ada@Example.com", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created user ada@example.com" in result.stdout
    response = client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["name"] == "ada"


def test_create_user_prompts_for_the_password_twice(cli: Cli, client: TestClient) -> None:
    result = cli(
        "create-user", "--email", "ada@example.com", "--name", "Ada", input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    response = client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_create_user_twice_is_a_clear_error(cli: Cli) -> None:
    assert cli("create-user", "--email", "ada@example.com", "--password", PASSWORD).exit_code == 0
    result = cli("create-user", "--email", "ADA@example.com", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "A user with the email ada@example.com already exists." in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "email: value is not a valid email address"),
        ("ada@example.com", "short", "password: String should have at least 8 characters"),
        (
            "ada@example.com",
            "password",
            "password: Too easy to guess. This is a top-10 common password. "
            "Add another word or two. Uncommon words are better.",
        ),
        ("ada@example.com", "12345678", "password: Too easy to guess. This is a top-10 common"),
        ("ada@example.com", "ada@example.com", "password: Too easy to guess."),
    ],
)
def test_create_user_rejects_bad_input(cli: Cli, email: str, password: str, message: str) -> None:
    result = cli("create-user", "--email", email, "--password", password)
    assert result.exit_code == 1
    assert message in result.stderr


def test_create_user_refuses_a_weak_password_typed_at_the_prompt(cli: Cli) -> None:
    result = cli("create-user", "--email", "ada@example.com", input="12345678\n" * 2)
    assert result.exit_code == 1
    assert "This is a top-10 common password." in result.stderr
    assert "Traceback" not in result.output


def test_create_token_prints_a_token_that_authenticates(cli: Cli, client: TestClient) -> None:
    cli("create-user", "--email", "ada@example.com", "--password", PASSWORD)
    result = cli("create-token", "--email", "ada@example.com", "--name", "laptop")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("evd_")
    assert "not shown again" in result.stderr
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json()["email"] == "ada@example.com"
    tokens = client.get("/api/v1/tokens", headers=headers).json()
    assert [t["name"] for t in tokens] == ["laptop"]


def test_create_token_for_an_unknown_user(cli: Cli) -> None:
    result = cli("create-token", "--email", "nobody@example.com", "--name", "laptop")
    assert result.exit_code == 1
    assert "No user with the email nobody@example.com" in result.stderr
    assert result.stdout == ""


def test_create_workspace_makes_the_creator_admin(cli: Cli, client: TestClient) -> None:
    cli("create-user", "--email", "ada@example.com", "--password", PASSWORD)
    result = cli(
        "create-workspace", "--email", "ada@example.com", "--slug", "acme", "--name", "Acme"
    )
    assert result.exit_code == 0, result.output
    assert "Created workspace acme" in result.stdout
    token = cli("create-token", "--email", "ada@example.com", "--name", "t").stdout.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(w["slug"], w["name"], w["role"]) for w in me["workspaces"]] == [
        ("acme", "Acme", "admin")
    ]


def test_create_workspace_errors(cli: Cli) -> None:
    missing = cli("create-workspace", "--email", "ada@example.com", "--slug", "a", "--name", "A")
    assert missing.exit_code == 1
    assert "No user with the email ada@example.com" in missing.stderr
    cli("create-user", "--email", "ada@example.com", "--password", PASSWORD)
    cli("create-workspace", "--email", "ada@example.com", "--slug", "acme", "--name", "Acme")
    taken = cli("create-workspace", "--email", "ada@example.com", "--slug", "acme", "--name", "B")
    assert taken.exit_code == 1
    assert "The address 'acme' is taken" in taken.stderr
    bad = cli("create-workspace", "--email", "ada@example.com", "--slug", "Our Team", "--name", "B")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("Error: slug: ")


def test_commands_before_migrate_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("EVIDENT_SECRET_KEY", "test-secret")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app, ["create-user", "--email", "ada@example.com", "--password", PASSWORD]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "run `evident migrate` first" in result.stderr


def test_production_without_a_secret_refuses_to_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENT_MODE", "production")
    monkeypatch.setenv("EVIDENT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EVIDENT_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "EVIDENT_SECRET_KEY must be set when EVIDENT_MODE=production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_with_a_weak_secret_refuses_to_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENT_MODE", "production")
    monkeypatch.setenv("EVIDENT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVIDENT_SECRET_KEY", "x")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: EVIDENT_SECRET_KEY is too weak for EVIDENT_MODE=production: it is 1 character "
        "long, 32 are needed."
    )
    assert "Traceback" not in result.output


# ---- serve -------------------------------------------------------------------------------------


def test_the_workers_socket_sends_small_responses_without_waiting() -> None:
    # Nagle's algorithm off on every accepted connection: a response written in two parts is
    # not held back for the client's delayed acknowledgement (40 ms on each reused connection).
    listener = listening_socket("127.0.0.1", 0)
    listener.listen()
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            # The event loop also sets it on connections of a socket that names TCP.
            assert accepted.proto == socket.IPPROTO_TCP


def test_serve_with_two_workers_migrates_once_and_answers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "EVIDENT_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "EVIDENT_SECRET_KEY": "test-secret",
        "EVIDENT_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--workers", "2", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        answers = []
        deadline = time.monotonic() + 120  # starting three processes on a busy machine
        while time.monotonic() < deadline and server.poll() is None:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                for _ in range(3):  # one connection, reused
                    connection.request("GET", "/healthz")
                    response = connection.getresponse()
                    answers.append((response.status, response.read()))
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    assert answers == [(200, b'{"status":"ok"}')] * 3
    # The command migrated, once; the workers only served.
    assert log.read_text().count("is at revision") == 1

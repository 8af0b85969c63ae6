"""`make run` in small: the real `evident serve` on a free port, against an empty data folder."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def evident_command() -> list[str]:
    """The installed `evident` script beside this Python, as `make run` calls it."""
    script = shutil.which("evident", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "app.cli"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env |= {"EVIDENT_DATA_DIR": str(data_dir), "EVIDENT_MODE": "local"}
    env.pop("EVIDENT_SECRET_KEY", None)
    port = free_port()
    process = subprocess.Popen(
        [*evident_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", data_dir, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(base_url: str, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"evident serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"evident serve did not answer /healthz within {seconds} s")


def test_serve_migrates_and_answers_on_sqlite_in_wal_mode(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base_url, data_dir, process = server
    wait_until_healthy(base_url, process, seconds=20)

    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}
    # A request that reaches the migrated database: a wrong sign-in is a clean 401.
    sign_in = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": "nobody@example.com", "password": "x"}
    )
    assert sign_in.status_code == 401
    assert sign_in.json()["error"]["code"] == "not_authenticated"
    assert httpx.get(f"{base_url}/openapi.json").json()["info"]["title"] == "Evident"

    database = data_dir / "evident.db"
    assert (data_dir / "secret_key").exists()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()

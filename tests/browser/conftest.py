"""The real app served by uvicorn on a free port, and a headless system Chromium."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.config import Settings
from app.main import create_app
from tests.conftest import migrate

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app with these settings, served by uvicorn in a background thread: its address."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per worker; each test serves a copy of it."""
    path = tmp_path_factory.mktemp("browser-template") / "migrated.db"
    migrate(f"sqlite:///{path}")
    return path


def browser_settings(tmp_path: Path, migrated: Path, **overrides: Any) -> Settings:
    """Settings on a fresh copy of the migrated SQLite file."""
    path = tmp_path / "browser.db"
    shutil.copyfile(migrated, path)
    url = f"sqlite:///{path}"
    return Settings(
        data_dir=tmp_path / "data", database_url=url, secret_key="browser-test", **overrides
    )


@pytest.fixture
def live_server(tmp_path: Path, migrated_sqlite: Path) -> Iterator[str]:
    """The app on a fresh migrated SQLite file, served in a background thread."""
    with serving(browser_settings(tmp_path, migrated_sqlite)) as address:
        yield address


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Chromium from the system (CI cannot download Playwright's own builds), started
    once per worker: starting it costs more than most browser tests."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not on PATH; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not on PATH (install Debian's chromium package to run this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The worker's Chromium; the contexts a test opens (cookies, storage, pages) close after
    it, so no test sees another's."""
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: test-results/ (git-ignored) under the repository."""
    folder = ROOT / "test-results" / "browser" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# How Chromium words a Content-Security-Policy refusal in the console.
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


@dataclass
class ConsoleWatch:
    """What a browser context's pages said in the console, and the scripts that threw."""

    errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> Any:
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        return context

    def _on_console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    @property
    def csp_violations(self) -> list[str]:
        return [text for text in self.errors if any(m in text for m in CSP_MARKERS)]

    def assert_clean(self) -> None:
        """No CSP refusal and no uncaught script error on any page seen so far."""
        assert self.csp_violations == [], "\n".join(self.csp_violations)
        assert self.page_errors == [], "\n".join(self.page_errors)


@pytest.fixture
def console() -> ConsoleWatch:
    """Attach to every browser context of a test; call assert_clean() where it should hold."""
    return ConsoleWatch()

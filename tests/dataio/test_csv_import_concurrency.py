"""CSV import beside other writers: each batch waits its turn for the write lock (SQLite allows
one writer at a time), so an import finishes with every row while others keep working."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.dataio import csv_import
from app.db import WRITE_INTENT
from tests.dataio.test_csv_import import csv_of, upload
from tests.dataio.test_pages import upload as upload_page
from tests.factories import Api
from tests.pages import Web, soup

ROWS = 1200
BATCH = 100  # a dozen batches, so the other writer gets between them
WRITES = 2000  # the other writer's bound, in rows
SECONDS = 120  # and in time


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "BATCH_SIZE", BATCH)


def many_rows(problem_title: str) -> bytes:
    """ROWS highlights from ROWS / 4 participants, each on its own interview day."""
    return csv_of(
        *(
            f"Person {i % (ROWS // 4)},Segment {i % 3},2026-10-{1 + i % 28:02d},interview,"
            f"Quote number {i}.,{problem_title},,paid,,"
            for i in range(ROWS)
        )
    )


@contextmanager
def another_writer(api: Api) -> Iterator[list[int]]:
    """Another client creating participants through the API, until told to stop (or bounds)."""
    statuses: list[int] = []
    stop = threading.Event()
    client = TestClient(api.client.app)

    def write() -> None:
        deadline = time.monotonic() + SECONDS
        while not stop.is_set() and len(statuses) < WRITES and time.monotonic() < deadline:
            response = client.post(
                api.url("participants"),
                headers=api.headers,
                json={"name": f"Walk-in {len(statuses)}"},
            )
            statuses.append(response.status_code)

    thread = threading.Thread(target=write, name="another-writer")
    thread.start()
    try:
        while not statuses and thread.is_alive():  # the writer is under way before we start
            time.sleep(0.01)
        yield statuses
    finally:
        stop.set()
        thread.join(SECONDS)
    assert not thread.is_alive()


def test_an_api_import_waits_its_turn_beside_another_writer(api: Api) -> None:
    problem = api.problem(title="Month-end close takes a week")
    data = many_rows(problem["title"])
    with another_writer(api) as statuses:
        response = upload(api, data)
        written_meanwhile = len(statuses)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["imported"], report["bad_rows"]) == (ROWS, 0)
    assert api.ok(api.get("evidence", params={"limit": 1}))["total"] == ROWS
    assert set(statuses) == {201}
    assert written_meanwhile > 1  # the other writer really wrote while the import ran


def test_a_page_import_waits_its_turn_beside_another_writer(api: Api, web: Web) -> None:
    problem = api.problem(title="Month-end close takes a week")
    run_url = upload_page(web, many_rows(problem["title"])).headers["location"]
    with another_writer(api) as statuses:
        assert web.post(f"{run_url}/start").status_code == 303
        block: Any = None
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            block = soup(web.htmx(f"{run_url}/progress", target="import-progress"))
            if "every 1s" not in str(block):
                break
            time.sleep(0.1)
        written_meanwhile = len(statuses)
    assert f"Done: {ROWS} highlights imported" in block.get_text(), block.get_text()
    assert api.ok(api.get("evidence", params={"limit": 1}))["total"] == ROWS
    assert set(statuses) == {201}
    assert written_meanwhile > 1


def test_a_database_that_stays_busy_is_a_clear_answer_and_the_file_can_be_sent_again(
    api: Api, monkeypatch: pytest.MonkeyPatch, cli: Any, tmp_path: Any
) -> None:
    """Past the busy timeout the import stops: 503 with what was done, never a 500."""
    problem = api.problem(title="Month-end close takes a week")
    data = many_rows(problem["title"])
    write_batch = csv_import._write_batch
    calls: list[int] = []

    def busy_on_the_third(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return write_batch(*args)

    monkeypatch.setattr(csv_import, "_write_batch", busy_on_the_third)
    stopped = upload(api, data)
    assert stopped.status_code == 503, stopped.text
    error = stopped.json()["error"]
    assert error["code"] == "import_interrupted"
    assert error["message"].startswith(f"The import stopped after {2 * BATCH} of {ROWS} rows")
    assert "Send the same file again" in error["message"]
    assert api.ok(api.get("evidence", params={"limit": 1}))["total"] == 2 * BATCH

    path = tmp_path / "highlights.csv"
    path.write_bytes(data)
    calls.clear()
    result = cli("import", "interviews", str(path), "--workspace", "acme")
    assert result.exit_code == 1
    assert "The import stopped after" in result.output
    assert "Traceback" not in result.output
    assert api.ok(api.get("evidence", params={"limit": 1}))["total"] == 2 * BATCH

    report = api.ok(upload(api, data))
    assert (report["imported"], report["already_imported"]) == (ROWS - 2 * BATCH, 2 * BATCH)


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "import"])
def test_checking_a_file_keeps_no_other_writer_waiting(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """Checking only reads: another writer gets the write lock at once while a file is checked."""
    problem = api.problem(title="Month-end close takes a week")
    check_file = csv_import.check_file
    wrote: list[bool] = []

    def check_while_another_writes(**kwargs: Any) -> Any:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # give up at once rather than wait for the request's lock
                conn.exec_driver_sql("PRAGMA busy_timeout=100")
                conn.commit()
            try:
                with conn.execution_options(**{WRITE_INTENT: True}).begin():
                    conn.execute(text("UPDATE workspace SET name = name"))
                wrote.append(True)
            finally:
                if sqlite:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
                    conn.commit()
        return check_file(**kwargs)

    monkeypatch.setattr(csv_import, "check_file", check_while_another_writes)
    response = upload(api, many_rows(problem["title"]), preview=preview)
    assert response.status_code == 200, response.text
    assert wrote == [True]

"""The app served for real (`evident serve` in processes of its own), loaded over HTTP/1.1
keep-alive connections from this process, as browsers and API clients use it:

- the bare route (/healthz) with 1 and then 2 workers: requests per second and latency;
- 16 clients posting interviews at once to one SQLite server: the writers' p50 and p99;
- two app processes on two ports against one PostgreSQL: write throughput with one of them,
  then with both, and every acknowledged write read back from the database.
"""

import asyncio
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90


@dataclass
class Load:
    """What a load run measured: latencies (ms) and the throughput of the whole run."""

    name: str
    database: str
    latencies: list[float]
    seconds: float
    acknowledged: list[int] = field(default_factory=list)  # ids the server answered with
    note: str = ""

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(url: str, workers: int, folder: Path) -> Iterator[int]:
    """`evident serve` on a free port until the block ends; yields the port."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "EVIDENT_DATABASE_URL": url,
        "EVIDENT_SECRET_KEY": "bench-secret-not-for-production",
        "EVIDENT_DATA_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with (folder / f"serve-{port}.log").open("w") as log:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_up(port, process)
            yield port
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(port: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server on port {port} stopped at start (see its log).")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"The server on port {port} did not answer within {STARTUP_SECONDS} s.")


Request = Callable[[int], tuple[str, str, bytes]]  # request number -> method, path, body


async def _client(
    port: int, numbers: list[int], request: Request, headers: str, out: Load, expect: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for number in numbers:
            method, path, body = request(number)
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{headers}"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + body)
            await writer.drain()
            status_line = await reader.readuntil(b"\r\n")
            fields = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in fields.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            answer = await reader.readexactly(length)
            out.latencies.append((time.perf_counter() - started) * 1000)
            status = int(status_line.split()[1])
            if status != expect:
                raise SystemExit(f"{method} {path} answered {status}: {answer[:300]!r}")
            if status == 201:
                out.acknowledged.append(int(json.loads(answer)["id"]))
    finally:
        writer.close()


def load(
    name: str,
    database: str,
    ports: list[int],
    request: Request,
    *,
    requests: int,
    connections: int,
    token: str = "",
    expect: int = 200,
) -> Load:
    """`requests` requests over `connections` keep-alive connections, spread over the ports."""
    headers = "Content-Type: application/json\r\n"
    if token:
        headers += f"Authorization: Bearer {token}\r\n"
    out = Load(name, database, [], 0.0)

    async def run() -> None:
        await asyncio.gather(
            *(
                _client(
                    ports[c % len(ports)],
                    list(range(c, requests, connections)),
                    request,
                    headers,
                    out,
                    expect,
                )
                for c in range(connections)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    out.seconds = time.perf_counter() - started
    return out


def bare(_: int) -> tuple[str, str, bytes]:
    return "GET", "/healthz", b""


def measure_workers(url: str, folder: Path, *, requests: int = 3_000) -> list[Load]:
    """The bare route served by 1, then 2 workers, under 8 keep-alive clients."""
    found = []
    for workers in (1, 2):
        with serving(url, workers, folder) as port:
            load("warm-up", "", [port], bare, requests=200, connections=8)
            found.append(
                load(
                    f"bare route, served, {workers} worker{'s' if workers > 1 else ''}",
                    "SQLite",
                    [port],
                    bare,
                    requests=requests,
                    connections=8,
                )
            )
    return found


def interview_request(payload: Callable[[int], dict[str, Any]], slug: str) -> Request:
    path = f"/api/v1/workspaces/{slug}/interviews"

    def request(number: int) -> tuple[str, str, bytes]:
        return "POST", path, json.dumps(payload(number)).encode()

    return request


def measure_writers(
    url: str, folder: Path, request: Request, token: str, *, clients: int = 16, each: int = 10
) -> Load:
    """`clients` clients posting interviews at once to one server (one worker) on SQLite."""
    with serving(url, 1, folder) as port:
        found = load(
            f"{clients} concurrent interview posts",
            "SQLite",
            [port],
            request,
            requests=clients * each,
            connections=clients,
            token=token,
            expect=201,
        )
    _check_present(url, found)
    return found


def measure_two_hosts(
    url: str, folder: Path, request: Request, token: str, *, requests: int = 240
) -> list[Load]:
    """Interview posts to one app process, then to two on different ports, one database."""
    found: list[Load] = []
    with ExitStack() as stack:
        ports = [stack.enter_context(serving(url, 1, folder)) for _ in range(2)]
        load("warm-up", "", ports, bare, requests=100, connections=4)
        for used in (ports[:1], ports):
            offset = 100_000 + len(found) * requests  # other interviews than the other runs'

            def shifted(number: int, offset: int = offset) -> tuple[str, str, bytes]:
                return request(number + offset)

            run = load(
                f"interview posts, {len(used)} app process{'es' if len(used) > 1 else ''}",
                "PostgreSQL",
                used,
                shifted,
                requests=requests,
                connections=8,
                token=token,
                expect=201,
            )
            _check_present(url, run)
            found.append(run)
    return found


def _check_present(url: str, run: Load) -> None:
    """Every write the servers acknowledged is in the database."""
    engine = make_engine(url)
    with engine.connect() as conn:
        query = f"SELECT id FROM interview WHERE id IN ({_ids(run.acknowledged)})"
        present = set(conn.execute(text(query)).scalars())
    engine.dispose()
    missing = len(set(run.acknowledged) - present)
    run.note = f"{len(present)} of {len(run.acknowledged)} acknowledged writes present" + (
        f", [bold red]{missing} MISSING[/]" if missing else ""
    )


def _ids(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"

"""Many admins changing one workspace at once: one edit of a version wins, the others get 409,
and the workspace never ends up without an admin. Never a 500, never a lost update.

On PostgreSQL each race is made certain: the test holds the row's lock until the requests
queue behind it (past their sign-in, role and, without a lock, version checks), then lets them
go together. SQLite runs writers one at a time from their start, so there they just run.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from threading import Barrier
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from tests.factories import Api

pytestmark = pytest.mark.postgres

RACERS = 20
# Requests queued behind a held lock before it is let go: the application's connection pool
# (15) caps how many can be in flight at once, so not all twenty.
QUEUED = 10
# Every request of a race must be answered well within this; a hang fails the test instead.
DEADLINE = 30.0

Request = Callable[[TestClient], Response]
Hold = Callable[[Callable[[], bool]], AbstractContextManager[None]]


@pytest.fixture(autouse=True)
def bounded_lock_waits(engine: Engine) -> Iterator[None]:
    """On PostgreSQL a request waits at most 10 s for a row lock, so a deadlock shows as a
    failure rather than as a test that never ends. (The engine is the session's: the next
    test's connections go back to the default.)"""
    if engine.dialect.name != "postgresql":
        yield
        return
    event.listen(engine, "connect", _lock_timeout)
    yield
    event.remove(engine, "connect", _lock_timeout)


def _lock_timeout(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")
    dbapi_connection.commit()


def race(app: Any, requests: list[Request], hold: Hold | None = None) -> list[Response]:
    """Send the requests all at once, each from its own client; their answers, in order.

    `hold(answered)` is entered before they start and left while they are on their way."""
    start = Barrier(len(requests), timeout=DEADLINE)

    def run(request: Request) -> Response:
        with TestClient(app) as client:
            start.wait()
            return request(client)

    futures: list[Future[Response]] = []

    def answered() -> bool:
        return len(futures) == len(requests) and all(future.done() for future in futures)

    pool = ThreadPoolExecutor(max_workers=len(requests))
    try:
        with hold(answered) if hold else nullcontext():
            futures += [pool.submit(run, request) for request in requests]
        _, pending = wait(futures, timeout=DEADLINE)
        assert not pending, f"{len(pending)} requests still unanswered after {DEADLINE} s"
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def holding(
    engine: Engine, lock: str, params: dict[str, Any], waiters: int, answered: Callable[[], bool]
) -> Iterator[None]:
    """Hold a row lock (a `SELECT ... FOR ...`) until `waiters` requests wait for a lock, or
    every request is answered (if they never wait), then let them go."""
    if engine.dialect.name != "postgresql":
        yield
        return
    # Its own connections: the application's pool is for the requests.
    own = create_engine(engine.url, poolclass=NullPool)
    try:
        with own.connect() as holder:
            holder.execute(text(lock), params)
            yield
            deadline = time.monotonic() + DEADLINE
            while _lock_waiters(own) < waiters and not answered():
                assert time.monotonic() < deadline, f"{waiters} requests never queued"
                time.sleep(0.01)
            holder.commit()
    finally:
        own.dispose()


def _lock_waiters(engine: Engine) -> int:
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as conn:
        return int(conn.execute(text(query)).scalar_one())


def hold_workspace(engine: Engine, slug: str, waiters: int = QUEUED) -> Hold:
    lock = "SELECT id FROM workspace WHERE slug = :slug FOR NO KEY UPDATE"
    return partial(holding, engine, lock, {"slug": slug}, waiters)


def statuses(responses: list[Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


def one_winner(responses: list[Response]) -> Response:
    """Exactly one 200, every other answer a 409 for the stale version; the winner."""
    assert statuses(responses) == [200] + [409] * (len(responses) - 1), [
        (r.status_code, r.text[:200]) for r in responses if r.status_code != 409
    ]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "stale_version", response.text
    return next(r for r in responses if r.status_code == 200)


def patch(api: Api, path: str, body: dict[str, Any]) -> Request:
    return lambda client: client.patch(api.url(path), headers=api.headers, json=body)


def test_simultaneous_workspace_edits_of_one_version_have_one_winner(
    api: Api, app: Any, engine: Engine
) -> None:
    version = api.ok(api.get(""))["version"]
    names = [f"Acme {i}" for i in range(RACERS)]
    requests = [patch(api, "", {"version": version, "name": name}) for name in names]

    winner = one_winner(race(app, requests, hold_workspace(engine, api.ws))).json()

    final = api.ok(api.get(""))
    assert final["version"] == version + 1
    assert final["name"] == winner["name"]


def test_simultaneous_threshold_edits_of_one_version_have_one_winner(
    api: Api, app: Any, engine: Engine
) -> None:
    version = api.ok(api.get("settings/scoring"))["version"]
    requests = [
        patch(api, "settings/scoring", {"version": version, "pain_threshold": 30 + i})
        for i in range(RACERS)
    ]

    winner = one_winner(race(app, requests, hold_workspace(engine, api.ws))).json()

    final = api.ok(api.get("settings/scoring"))
    assert final["version"] == version + 1
    assert final["pain_threshold"] == winner["pain_threshold"]


def test_simultaneous_role_changes_of_one_version_have_one_winner(
    api: Api, app: Any, engine: Engine
) -> None:
    carol = api.as_member("carol@example.com", "viewer")

    def carols() -> dict[str, Any]:
        return next(m for m in api.ok(api.get("members")) if m["user"]["id"] == carol.user_id)

    version = carols()["version"]
    roles = ["contributor", "decider", "admin"]
    requests = [
        patch(api, f"members/{carol.user_id}", {"version": version, "role": roles[i % 3]})
        for i in range(RACERS)
    ]
    # Her membership's row, so that requests which skip the workspace's lock queue too.
    lock = "SELECT id FROM membership WHERE user_id = :user_id FOR UPDATE"
    hold = partial(holding, engine, lock, {"user_id": carol.user_id}, QUEUED)

    winner = one_winner(race(app, requests, hold)).json()

    final = carols()
    assert final["version"] == version + 1
    assert final["role"] == winner["role"]


def demote(actor: Api, target: Api, versions: dict[int, int]) -> Request:
    body = {"version": versions[target.user_id], "role": "viewer"}
    return patch(actor, f"members/{target.user_id}", body)


def test_two_admins_demoting_each_other_at_once_leave_an_admin(
    api: Api, app: Any, engine: Engine
) -> None:
    bob = Api.signed_up(api.client, email="bob@example.com")
    # On PostgreSQL both requests are in flight when the first one wins: the second learns
    # there that its sender is no longer an admin (409). SQLite runs the second after the
    # first, so its sender is simply not an admin any more (403).
    lost = 409 if engine.dialect.name == "postgresql" else 403

    for i in range(10):
        api.post_root("/api/v1/workspaces", json={"slug": f"lab-{i}", "name": f"Lab {i}"})
        ada = Api(api.client, api.token, f"lab-{i}", api.user_id)
        ada.ok(ada.post("members", json={"email": "bob@example.com", "role": "admin"}), 202)
        bob_here = Api(api.client, bob.token, ada.ws, bob.user_id)
        versions = {m["user"]["id"]: m["version"] for m in ada.ok(ada.get("members"))}
        requests = [demote(ada, bob_here, versions), demote(bob_here, ada, versions)]

        responses = race(app, requests, hold_workspace(engine, ada.ws, waiters=2))

        assert statuses(responses) == sorted([200, lost]), [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == lost).json()["error"]
        assert "admin" in loser["message"], loser
        roles = [m["role"] for m in ada.ok(ada.get("members"))]
        assert roles.count("admin") == 1, (ada.ws, roles)

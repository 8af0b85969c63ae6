"""Two people editing the same row at once: one wins, the other gets 409, never a 500."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Api


def test_simultaneous_edits_of_one_version_give_one_success_and_one_conflict(
    api: Api, app: Any
) -> None:
    problem = api.problem(title="Month-end exports break")
    start = Barrier(3)

    def edit(title: str) -> int:
        with TestClient(app) as client:
            start.wait()
            response = client.patch(
                api.url(f"problems/{problem['id']}"),
                headers=api.headers,
                json={"version": problem["version"], "title": title},
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = sorted(pool.map(edit, ["A", "B", "C"]))
    assert statuses == [200, 409, 409]
    final = api.ok(api.get(f"problems/{problem['id']}"))
    assert final["version"] == problem["version"] + 1
    assert final["title"] in {"A", "B", "C"}

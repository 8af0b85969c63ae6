"""Assertions and row makers shared by the API tests."""

from collections.abc import Callable
from typing import Any

from httpx import Response

from tests.factories import Api

Row = dict[str, Any]


def assert_error(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error of this status in the one error shape; returns its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


def fields_of(error: dict[str, Any]) -> list[str]:
    """The field paths a 422 error lists."""
    return [item["field"] for item in error["details"] or []]


def make_decision(api: Api, **overrides: Any) -> Row:
    problem_id = overrides.pop("problem_id", None) or api.problem()["id"]
    body = {"problem_id": problem_id, "kind": "pursue", "rationale": "Customers pay today."}
    return api.ok(api.post("decisions", json=body | overrides), 201)


# How to make one row of each collection (parents made on the way), and a change to apply.
MAKERS: dict[str, Callable[[Api], Row]] = {
    "segments": lambda api: api.segment(),
    "participants": lambda api: api.participant(),
    "problems": lambda api: api.problem(),
    "interviews": lambda api: api.interview(),
    "evidence": lambda api: api.evidence(api.problem()["id"]),
    "assumptions": lambda api: api.assumption(api.problem()["id"]),
    "tests": lambda api: api.test_card(api.assumption(api.problem()["id"])["id"]),
    "decisions": make_decision,
}
CHANGES: dict[str, Row] = {
    "segments": {"name": "Enterprise", "size": 12},
    "participants": {"organisation": "Globex", "title": "CFO"},
    "problems": {"title": "Exports break at month end", "status": "validating"},
    "interviews": {"title": "Call with the CFO", "kind": "sales_call"},
    "evidence": {"quote": "We built a spreadsheet for it.", "signal": "workaround"},
    "assumptions": {"statement": "Finance teams will pay", "critical": True},
    "tests": {"metric": "exports that succeed", "threshold": 0.95},
    "decisions": {"review_on": "2027-03-01"},
}

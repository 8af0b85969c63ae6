"""Assertions shared by the API tests."""

from typing import Any

from httpx import Response


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

"""Every kind of invalid request, answered in the one error shape with the field at fault."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Api
from tests.helpers import assert_error, fields_of


@pytest.fixture
def problem(api: Api) -> dict[str, Any]:
    return api.problem()


def test_missing_required_fields_are_listed_with_their_paths(api: Api) -> None:
    error = assert_error(api.post("evidence", json={"quote": "q"}), 422, "invalid_input")
    assert sorted(fields_of(error)) == ["body.problem_id", "body.signal"]
    assert {d["type"] for d in error["details"]} == {"missing"}
    assert error["message"].startswith("body.")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("problems", {"title": "t", "status": "maybe"}, "body.status"),
        ("interviews", {"occurred_on": "2026-01-01", "kind": "chat"}, "body.kind"),
        ("assumptions", {"statement": "s", "category": "fun"}, "body.category"),
        ("evidence", {"quote": "q", "signal": "loud"}, "body.signal"),
        ("evidence", {"quote": "q", "signal": "paid", "frequency": "hourly"}, "body.frequency"),
        ("evidence", {"quote": "q", "signal": "paid", "stance": "neutral"}, "body.stance"),
        ("decisions", {"kind": "maybe", "rationale": "r"}, "body.kind"),
        ("tests", {"method": "guess", "metric": "m", "operator": ">="}, "body.method"),
        ("tests", {"method": "survey", "metric": "m", "operator": "~"}, "body.operator"),
    ],
)
def test_wrong_enum_value_is_422_with_the_field_and_the_allowed_values(
    api: Api, problem: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    parent = {"problem_id": problem["id"]}
    if path == "tests":
        parent = {"assumption_id": api.assumption(problem["id"])["id"]}
    error = assert_error(api.post(path, json=parent | body), 422, "invalid_input")
    assert fields_of(error) == [field]
    detail = error["details"][0]
    assert detail["type"] == "enum"
    assert "Input should be" in detail["message"]


def test_notes_over_1000000_characters_are_refused_with_a_clear_message(api: Api) -> None:
    body = {"occurred_on": "2026-10-01", "notes": "n" * 1_000_001}
    error = assert_error(api.post("interviews", json=body), 422, "invalid_input")
    assert fields_of(error) == ["body.notes"]
    assert error["message"] == "body.notes: String should have at most 1000000 characters"
    # Exactly at the limit is fine: a whole transcript.
    assert api.interview(notes="n" * 1_000_000)["notes"] == "n" * 1_000_000


def test_notes_of_1000000_characters_fit_in_a_json_body_even_escaped(api: Api) -> None:
    """The body limit leaves room for the longest notes with every character escaped."""
    notes = ("Zoë Łukasz Siobhán żółć “ok” " * 40_000)[:1_000_000]
    body = json.dumps({"occurred_on": "2026-10-01", "notes": notes}, ensure_ascii=True)
    assert len(body) > 2_000_000
    headers = api.headers | {"Content-Type": "application/json"}
    response = api.client.post(api.url("interviews"), content=body, headers=headers)
    assert api.ok(response, 201)["notes"] == notes


def test_notes_limit_holds_on_update_too(api: Api) -> None:
    interview = api.interview()
    response = api.patch(
        f"interviews/{interview['id']}", json={"version": 1, "notes": "n" * 1_000_001}
    )
    assert fields_of(assert_error(response, 422)) == ["body.notes"]


def test_quote_over_2000_characters_is_refused_with_a_clear_message(
    api: Api, problem: dict[str, Any]
) -> None:
    body = {"problem_id": problem["id"], "quote": "q" * 2_001, "signal": "paid"}
    error = assert_error(api.post("evidence", json=body), 422, "invalid_input")
    assert fields_of(error) == ["body.quote"]
    assert "at most 2000 characters" in error["message"]
    assert len(api.evidence(problem["id"], quote="q" * 2_000)["quote"]) == 2_000

    highlight = {"problem_id": problem["id"], "quote": "q" * 2_001, "signal": "paid"}
    response = api.post("interviews", json={"occurred_on": "2026-10-01", "highlights": [highlight]})
    assert fields_of(assert_error(response, 422)) == ["body.highlights.0.quote"]
    item = api.evidence(problem["id"])
    response = api.patch(f"evidence/{item['id']}", json={"version": 1, "quote": "q" * 2_001})
    assert fields_of(assert_error(response, 422)) == ["body.quote"]


def test_empty_quote_is_refused(api: Api, problem: dict[str, Any]) -> None:
    body = {"problem_id": problem["id"], "quote": "", "signal": "paid"}
    assert fields_of(assert_error(api.post("evidence", json=body), 422)) == ["body.quote"]


@pytest.mark.parametrize("severity", [0, 6, -1, 2.5, "high"])
def test_severity_outside_1_to_5_is_refused(
    api: Api, problem: dict[str, Any], severity: Any
) -> None:
    body = {"problem_id": problem["id"], "quote": "q", "signal": "stated", "severity": severity}
    assert fields_of(assert_error(api.post("evidence", json=body), 422)) == ["body.severity"]


def test_severity_outside_1_to_5_is_refused_on_update(api: Api, problem: dict[str, Any]) -> None:
    item = api.evidence(problem["id"], signal="stated", severity=5)
    response = api.patch(f"evidence/{item['id']}", json={"version": 1, "severity": 9})
    assert fields_of(assert_error(response, 422)) == ["body.severity"]


def test_stance_that_contradicts_the_signal_is_refused(api: Api, problem: dict[str, Any]) -> None:
    body = {"problem_id": problem["id"], "quote": "q", "signal": "paid", "stance": "contradicts"}
    error = assert_error(api.post("evidence", json=body), 422, "invalid_input")
    assert fields_of(error) == ["body.stance"]
    assert "signal 'paid' supports the problem" in error["message"]

    highlight = {
        "problem_id": problem["id"],
        "quote": "q",
        "signal": "no_action",
        "stance": "supports",
    }
    response = api.post("interviews", json={"occurred_on": "2026-10-01", "highlights": [highlight]})
    assert fields_of(assert_error(response, 422)) == ["body.highlights.0.stance"]

    item = api.evidence(problem["id"])
    response = api.patch(f"evidence/{item['id']}", json={"version": 1, "stance": "contradicts"})
    error = assert_error(response, 422, "invalid_input")
    assert fields_of(error) == ["stance"]
    # Changing the signal alone brings its stance with it.
    changed = api.ok(
        api.patch(f"evidence/{item['id']}", json={"version": 1, "signal": "no_action"})
    )
    assert changed["stance"] == "contradicts"


def test_stance_is_implied_by_the_signal(api: Api, problem: dict[str, Any]) -> None:
    assert api.evidence(problem["id"], signal="not_experienced")["stance"] == "contradicts"
    assert api.evidence(problem["id"], signal="searching")["stance"] == "supports"


@pytest.mark.parametrize("operator", [">=", ">", "<=", "<"])
def test_numeric_criterion_without_threshold_is_refused(
    api: Api, problem: dict[str, Any], operator: str
) -> None:
    assumption = api.assumption(problem["id"])
    body = {
        "assumption_id": assumption["id"],
        "method": "survey",
        "metric": "m",
        "operator": operator,
    }
    error = assert_error(api.post("tests", json=body), 422, "invalid_input")
    assert fields_of(error) == ["threshold"]
    assert "needs a number" in error["message"]


def test_yes_no_criterion_needs_no_threshold(api: Api, problem: dict[str, Any]) -> None:
    assumption = api.assumption(problem["id"])
    card = api.test_card(assumption["id"], operator="yes", threshold=None)
    assert (card["operator"], card["threshold"]) == ("yes", None)
    response = api.patch(f"tests/{card['id']}", json={"version": 1, "operator": ">="})
    assert fields_of(assert_error(response, 422)) == ["threshold"]


@pytest.mark.parametrize(
    ("path", "field", "make"),
    [
        ("segments", "name", lambda api: api.segment()),
        ("participants", "name", lambda api: api.participant()),
        ("problems", "title", lambda api: api.problem()),
        ("interviews", "occurred_on", lambda api: api.interview()),
        ("interviews", "kind", lambda api: api.interview()),
        ("evidence", "quote", lambda api: api.evidence(api.problem()["id"])),
        ("assumptions", "statement", lambda api: api.assumption(api.problem()["id"])),
        ("assumptions", "category", lambda api: api.assumption(api.problem()["id"])),
        ("tests", "metric", lambda api: api.test_card(api.assumption(api.problem()["id"])["id"])),
    ],
)
def test_null_for_a_required_field_on_update_is_422(
    api: Api, path: str, field: str, make: Any
) -> None:
    row = make(api)
    response = api.patch(f"{path}/{row['id']}", json={"version": 1, field: None})
    error = assert_error(response, 422, "invalid_input")
    assert field in fields_of(error)[0]
    assert api.ok(api.get(f"{path}/{row['id']}"))["version"] == 1


def test_wrong_types_are_422(api: Api) -> None:
    error = assert_error(api.post("segments", json={"name": "S", "size": "big"}), 422)
    assert fields_of(error) == ["body.size"]
    error = assert_error(api.post("segments", json={"name": "S", "size": -1}), 422)
    assert fields_of(error) == ["body.size"]
    error = assert_error(api.post("interviews", json={"occurred_on": "yesterday"}), 422)
    assert fields_of(error) == ["body.occurred_on"]
    error = assert_error(api.post("problems", json={"title": "t", "tags": ["a,b"]}), 422)
    assert fields_of(error) == ["tags.0"]


def test_path_ids_must_be_integers(api: Api) -> None:
    error = assert_error(api.get("problems/abc"), 422, "invalid_input")
    assert fields_of(error) == ["path.row_id"]


def test_malformed_json_is_422(api: Api) -> None:
    headers = api.headers | {"Content-Type": "application/json"}
    response = api.client.post(api.url("problems"), headers=headers, content=b'{"title": ')
    error = assert_error(response, 422, "invalid_input")
    assert error["details"][0]["type"] == "json_invalid"


def test_a_json_array_where_an_object_is_expected_is_422(api: Api) -> None:
    error = assert_error(api.post("problems", json=["title"]), 422, "invalid_input")
    assert fields_of(error) == ["body"]


def test_body_larger_than_the_limit_is_413(api: Api, settings: Any) -> None:
    limit = settings.max_body_bytes
    body = {"title": "t", "statement": "x" * (limit + 1)}
    error = assert_error(api.post("problems", json=body), 413, "too_large")
    assert f"{limit:,}" in error["message"]
    assert api.ok(api.get("problems"))["total"] == 0


def test_streamed_body_larger_than_the_limit_is_413(api: Api, settings: Any) -> None:
    """Without a Content-Length, the limit is enforced on the bytes as they arrive."""
    chunk = b"x" * 100_000

    def body() -> Iterator[bytes]:
        yield b'{"title": "t", "statement": "'
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"}'

    headers = api.headers | {"Content-Type": "application/json"}
    response = api.client.post(api.url("problems"), headers=headers, content=body())
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "too_large")
    assert api.ok(api.get("problems"))["total"] == 0


def test_body_just_under_the_limit_gets_through_to_validation(api: Api, settings: Any) -> None:
    body = {"occurred_on": "2026-10-01", "notes": "x" * (settings.max_body_bytes - 100)}
    error = assert_error(api.post("interviews", json=body), 422)
    assert fields_of(error) == ["body.notes"]


def test_unknown_route_is_404_in_the_error_shape(api: Api, client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing-here", headers=api.headers), 404, "not_found")
    assert_error(api.get("nothing-here"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(api: Api) -> None:
    assert_error(
        api.client.put(api.url("problems"), headers=api.headers), 405, "method_not_allowed"
    )


def test_a_workspace_named_like_import_keeps_the_normal_limit(api: Api, settings: Any) -> None:
    """Only import routes accept large files; a slug is not a route."""
    api.post_root("/api/v1/workspaces", json={"slug": "imports-team", "name": "Imports"})
    team = Api(api.client, api.token, "imports-team", api.user_id)
    body = {"title": "t", "statement": "x" * (settings.max_body_bytes + 1)}
    assert_error(team.post("problems", json=body), 413, "too_large")

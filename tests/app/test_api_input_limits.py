"""Numbers and text the database could not keep are refused with a 422 at the door: NaN and
infinities, integers beyond an INTEGER column, NUL characters. Never a 500, never stored.

Most cases are drawn from the OpenAPI document itself, so a new operation or field is covered
as soon as it exists.
"""

import json
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from httpx import Response

from app.main import api_router
from app.validation import MAX_INT
from tests.factories import Api
from tests.helpers import assert_error, fields_of

Row = dict[str, Any]


def _document() -> dict[str, Any]:
    app = FastAPI()
    app.include_router(api_router())
    return app.openapi()


DOCUMENT = _document()
SCHEMAS = DOCUMENT["components"]["schemas"]
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return resolve(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    return schema


def variants(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The schema and each alternative of its anyOf, resolved."""
    schema = resolve(schema)
    yield schema
    for option in schema.get("anyOf", []):
        yield from variants(option)


def has_type(schema: dict[str, Any], kind: str) -> bool:
    return any(v.get("type") == kind for v in variants(schema))


def json_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return resolve(content["application/json"]["schema"]) if "application/json" in content else None


def params(kind: str, where: str) -> list[Any]:
    """(method, path, name) of every parameter of this type in this place."""
    return [
        pytest.param(method, path, p["name"], id=f"{method} {path} {p['name']}")
        for method, path, operation in OPERATIONS
        for p in operation.get("parameters", [])
        if p["in"] == where and has_type(p["schema"], kind)
    ]


def body_fields(kind: str) -> list[Any]:
    """(method, path, field) of every top-level JSON body field of this type."""
    return [
        pytest.param(method, path, name, id=f"{method} {path} {name}")
        for method, path, operation in OPERATIONS
        if (body := json_body(operation)) is not None
        for name, schema in body.get("properties", {}).items()
        if has_type(schema, kind)
    ]


def url(path: str, ws: str, **values: Any) -> str:
    filled = {name: 1 for name in _path_names(path)} | {"ws": ws, "table": "problems"} | values
    return path.format(**filled)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def send(api: Api, method: str, target: str, **kw: Any) -> Response:
    return api.client.request(method, target, headers=api.headers, **kw)


def send_raw(api: Api, method: str, path: str, document: Any) -> Response:
    """Send NaN and Infinity as the bare words some JSON writers use."""
    headers = api.headers | {"Content-Type": "application/json"}
    return api.client.request(method, api.url(path), content=json.dumps(document), headers=headers)


def export_is_strict_json(api: Api) -> dict[str, Any]:
    """The workspace export answers, as JSON without NaN or Infinity anywhere."""
    response = api.get("export")
    assert response.status_code == 200, response.text

    def refuse(word: str) -> None:
        raise AssertionError(f"{word} in the export")

    return dict(json.loads(response.text, parse_constant=refuse))


# ---- the shared mechanism, over every operation ---------------------------------------------


@pytest.mark.parametrize(("method", "path", "name"), params("integer", "path"))
def test_ids_in_paths_beyond_the_column_are_422(
    api: Api, method: str, path: str, name: str
) -> None:
    # The values in one test: a workspace per value would cost more than the requests.
    for value in (MAX_INT + 1, 2**63, 0, -1):
        response = send(api, method, url(path, api.ws, **{name: value}), json={})
        error = assert_error(response, 422, "invalid_input")
        assert f"path.{name}" in fields_of(error), value


@pytest.mark.parametrize(("method", "path", "name"), params("integer", "query"))
def test_integers_in_queries_beyond_the_column_are_422(
    api: Api, method: str, path: str, name: str
) -> None:
    # Row 1 exists, so the route reaches its query (a problem of the path is loaded first).
    api.problem()
    for value in (MAX_INT + 1, 2**63):
        response = send(api, method, url(path, api.ws), params={name: value, "q": "x"})
        error = assert_error(response, 422, "invalid_input")
        assert f"query.{name}" in fields_of(error), value


@pytest.mark.parametrize(("method", "path", "name"), body_fields("integer"))
def test_integers_in_bodies_beyond_the_column_are_422(
    api: Api, method: str, path: str, name: str
) -> None:
    for value in (MAX_INT + 1, 2**63):
        body = {"version": 1} | {name: value}
        response = send(api, method, url(path, api.ws), json=body)
        error = assert_error(response, 422, "invalid_input")
        assert f"body.{name}" in fields_of(error), value


@pytest.mark.parametrize(("method", "path", "name"), body_fields("number"))
def test_nan_and_infinity_in_bodies_are_422(api: Api, method: str, path: str, name: str) -> None:
    for word in ("nan", "NaN", "inf", "-Infinity"):
        body = {"version": 1} | {name: word}
        response = send(api, method, url(path, api.ws), json=body)
        error = assert_error(response, 422, "invalid_input")
        assert f"body.{name}" in fields_of(error), word


# No operation takes a number in its query today; one that does is covered here at once.
@pytest.mark.parametrize(("method", "path", "name"), params("number", "query"))
@pytest.mark.parametrize("word", ["nan", "inf"])
def test_nan_and_infinity_in_queries_are_422(
    api: Api, method: str, path: str, name: str, word: str
) -> None:
    response = send(api, method, url(path, api.ws), params={name: word})
    assert f"query.{name}" in fields_of(assert_error(response, 422, "invalid_input"))


@pytest.mark.parametrize(("method", "path", "name"), body_fields("string"))
def test_nul_in_body_text_is_422(api: Api, method: str, path: str, name: str) -> None:
    body = {"version": 1} | {name: "before\x00after"}
    error = assert_error(send(api, method, url(path, api.ws), json=body), 422, "invalid_input")
    assert fields_of(error) == [f"body.{name}"]
    assert "NUL" in error["message"]


@pytest.mark.parametrize(("method", "path", "name"), params("string", "query"))
def test_nul_in_query_text_is_422(api: Api, method: str, path: str, name: str) -> None:
    response = send(api, method, url(path, api.ws), params={name: "a\x00b"})
    error = assert_error(response, 422, "invalid_input")
    assert fields_of(error) == [f"query.{name}"]


def test_nul_in_the_workspace_slug_is_422(api: Api) -> None:
    error = assert_error(
        api.client.get("/api/v1/workspaces/ac%00me/problems", headers=api.headers), 422
    )
    assert fields_of(error) == ["path.ws"]


# ---- what a client sees: refused, nothing stored, the export intact --------------------------


@pytest.fixture
def criterion(api: Api) -> Row:
    return api.test_card(api.assumption(api.problem()["id"])["id"])


@pytest.mark.parametrize("word", [float("nan"), float("inf"), float("-inf")])
def test_a_nan_threshold_is_refused_and_the_export_still_works(
    api: Api, criterion: Row, word: float
) -> None:
    before = api.ok(api.get("tests"))
    body = {
        "assumption_id": criterion["assumption_id"],
        "method": "survey",
        "metric": "replies",
        "operator": ">=",
        "threshold": word,
    }
    error = assert_error(send_raw(api, "POST", "tests", body), 422, "invalid_input")
    assert "not a number JSON allows" in error["message"]
    assert assert_error(api.post("tests", json=body | {"threshold": str(word)}), 422)

    changes = {"version": criterion["version"], "threshold": word, "observed_value": word}
    response = send_raw(api, "PATCH", f"tests/{criterion['id']}", changes)
    assert_error(response, 422, "invalid_input")
    for field in ("threshold", "observed_value"):
        changed = {"version": criterion["version"], field: str(word)}
        error = assert_error(api.patch(f"tests/{criterion['id']}", json=changed), 422)
        assert fields_of(error) == [f"body.{field}"]
        assert "finite number" in error["message"]

    assert api.ok(api.get("tests")) == before
    exported = export_is_strict_json(api)
    assert [t["threshold"] for t in exported["tables"]["assumption_test"]] == [0.9]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("problems", {"title": "t", "feasibility_estimate": "NaN"}),
        ("problems", {"title": "t", "kill_criteria": {"pain": "Infinity"}}),
    ],
)
def test_nan_in_a_problem_is_refused_with_its_field(api: Api, path: str, body: Row) -> None:
    error = assert_error(api.post(path, json=body), 422, "invalid_input")
    assert fields_of(error)[0].startswith("body.")
    assert "finite number" in error["message"]
    assert api.ok(api.get(path))["total"] == 0


def test_nan_scoring_thresholds_are_refused(api: Api) -> None:
    for field in ("pain_threshold", "reach_threshold", "feasibility_threshold"):
        response = send_raw(api, "PATCH", "settings/scoring", {"version": 1, field: float("nan")})
        assert_error(response, 422, "invalid_input")
        error = assert_error(api.patch("settings/scoring", json={"version": 1, field: "nan"}), 422)
        assert fields_of(error) == [f"body.{field}"]
    assert api.ok(api.get("settings/scoring"))["version"] == 1
    export_is_strict_json(api)


def test_a_segment_size_fits_an_integer_column(api: Api) -> None:
    error = assert_error(api.post("segments", json={"name": "All", "size": MAX_INT + 1}), 422)
    assert fields_of(error) == ["body.size"]
    assert api.ok(api.get("segments"))["total"] == 0
    # The largest value the column holds is kept as it is, on PostgreSQL too.
    segment = api.segment(size=MAX_INT)
    assert api.ok(api.get(f"segments/{segment['id']}"))["size"] == MAX_INT


def test_huge_ids_nested_in_a_body_are_422(api: Api) -> None:
    body = {
        "occurred_on": "2026-10-01",
        "problem_ids": [MAX_INT + 1],
        "highlights": [{"problem_id": 2**63, "quote": "q", "signal": "paid"}],
    }
    error = assert_error(api.post("interviews", json=body), 422, "invalid_input")
    assert fields_of(error) == ["body.problem_ids.0", "body.highlights.0.problem_id"]
    assert api.ok(api.get("interviews"))["total"] == 0


def test_huge_ids_answer_422_on_every_route_of_a_row(api: Api) -> None:
    """The /problems/9223372036854775808 of the report, on each route of a problem."""
    huge = 2**63
    for method, path, field in [
        ("GET", f"problems/{huge}", "path.row_id"),
        ("PATCH", f"problems/{huge}", "path.row_id"),
        ("DELETE", f"problems/{huge}", "path.row_id"),
        ("POST", f"problems/{huge}/restore", "path.row_id"),
        ("GET", f"problems/{huge}/scorecard", "path.problem_id"),
    ]:
        response = send(api, method, api.url(path), json={"version": 1})
        assert field in fields_of(assert_error(response, 422)), (method, path)


def test_nul_in_text_is_refused_and_nothing_is_stored(api: Api) -> None:
    problem = api.problem()
    body = {"occurred_on": "2026-10-01", "title": "Call", "notes": "fine"}
    body["highlights"] = [{"problem_id": problem["id"], "quote": "it\x00hurts", "signal": "paid"}]
    error = assert_error(api.post("interviews", json=body), 422, "invalid_input")
    assert fields_of(error) == ["body.highlights.0.quote"]
    assert error["message"] == "body.highlights.0.quote: must not contain a NUL character"
    response = api.patch(f"problems/{problem['id']}", json={"version": 1, "tags": ["a\x00"]})
    assert fields_of(assert_error(response, 422)) == ["body.tags.0"]
    assert api.ok(api.get("interviews"))["total"] == 0
    assert api.ok(api.get(f"problems/{problem['id']}"))["version"] == 1


def test_nul_in_a_form_is_refused(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com\x00", "password": "x"}
    )
    assert fields_of(assert_error(response, 422, "invalid_input")) == ["body.username"]
    response = api.client.post(
        "/api/v1/import/workspace",
        headers=api.headers,
        data={"slug": "new\x00"},
        files={"file": ("export.json", b"{}", "application/json")},
    )
    assert fields_of(assert_error(response, 422, "invalid_input")) == ["body.slug"]


# ---- guards: the document and the routes say it, pages included -----------------------------


def _integers(schema: dict[str, Any], seen: frozenset[str] = frozenset()) -> Iterator[Any]:
    """Every integer schema inside this one (properties, items, anyOf), resolved."""
    ref = schema.get("$ref")
    if ref in seen:
        return
    seen = seen | {ref} if ref else seen
    schema = resolve(schema)
    if schema.get("type") == "integer":
        yield schema
    for child in [
        *schema.get("properties", {}).values(),
        *schema.get("anyOf", []),
        *([schema["items"]] if "items" in schema else []),
    ]:
        yield from _integers(child, seen)


def test_every_integer_a_client_sends_is_bounded_in_the_document() -> None:
    unbounded = []
    for method, path, operation in OPERATIONS:
        schemas = [(p["name"], p["schema"]) for p in operation.get("parameters", [])]
        if (body := json_body(operation)) is not None:
            schemas.append(("body", body))
        for name, schema in schemas:
            for integer in _integers(schema):
                if integer.get("maximum", MAX_INT + 1) > MAX_INT:
                    unbounded.append(f"{method} {path} {name}")
    assert unbounded == []


def test_every_integer_in_a_page_url_is_bounded(app: Any) -> None:
    from fastapi import routing
    from fastapi.dependencies.models import Dependant
    from pydantic import TypeAdapter, ValidationError

    def fields(dependant: Dependant) -> Iterator[Any]:
        yield from dependant.path_params
        yield from dependant.query_params
        for sub in dependant.dependencies:
            yield from fields(sub)

    # Newer FastAPI keeps included routers as such; walk them to the routes as declared.
    contexts = getattr(routing, "iter_route_contexts", None)
    found = [c.original_route for c in contexts(app.routes)] if contexts else app.routes
    routes = [route for route in found if isinstance(route, routing.APIRoute)]
    assert len(routes) > 100, "pages and API routes are all walked"
    unbounded, checked = [], 0
    for route in routes:
        for field in fields(route.dependant):
            info = field.field_info
            kind = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            accepts = TypeAdapter(kind)
            try:
                value = accepts.validate_python(str(MAX_INT + 1))
            except ValidationError:
                checked += 1
                continue
            if isinstance(value, int):
                unbounded.append(f"{route.path} {field.name}")
    assert checked > 50
    assert unbounded == []


@pytest.mark.parametrize("depth", [500, 50_000])
def test_deeply_nested_json_is_refused_not_a_server_error(api: Api, depth: int) -> None:
    body = "[" * depth + '"a\\u0000"' + "]" * depth
    headers = api.headers | {"Content-Type": "application/json"}
    for method, path in [("POST", api.url("problems")), ("DELETE", api.url("problems/1"))]:
        response = api.client.request(method, path, content=body, headers=headers)
        assert response.status_code in (400, 404, 422), (method, response.text)

"""Security headers on every answer: pages, fragments, JSON, every kind of error, static files,
redirects and the 413 the body limit sends before the app sees the request."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from app.main import create_app
from tests.factories import Api
from tests.pages import HTML, Web


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {policy}"
        parsed[name] = sources
    return parsed


def assert_secured(response: Response, *, script_src: list[str] | None = None) -> None:
    """The headers every answer carries, each once; the page policy allows no inline script
    or style, no plugin, no framing, no foreign <base> and no form posted elsewhere."""
    headers = response.headers
    for name in (
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "permissions-policy",
        "cross-origin-opener-policy",
    ):
        assert len(headers.get_list(name)) == 1, f"{name}: {headers.get_list(name)}"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    permissions = headers["permissions-policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions
    policy = directives(headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == (script_src or ["'self'"])
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@dataclass
class Browsers:
    """Who asks: a signed-in person at a browser, an API client, and a stranger."""

    web: Web
    api: Api
    anonymous: TestClient
    limit: int


def _streamed(size: int) -> Iterator[bytes]:
    yield b'{"title": "t", "statement": "'
    for _ in range(size // 100_000 + 2):
        yield b"x" * 100_000
    yield b'"}'


ANSWERS: dict[str, tuple[Callable[[Browsers], Response], int]] = {
    "page": (lambda b: b.web.get(""), 200),
    "sign-in page": (lambda b: b.anonymous.get("/signin", headers=HTML), 200),
    "htmx fragment": (lambda b: b.web.htmx("search?q=exports", target="#search-results"), 200),
    "form with errors": (lambda b: b.web.post("problems", {"title": ""}), 422),
    "html 404": (lambda b: b.web.get("problems/999999"), 404),
    "htmx toast 404": (lambda b: b.web.htmx("problems/999999"), 404),
    "json 404": (lambda b: b.api.get("problems/999999"), 404),
    "unknown route 404": (lambda b: b.anonymous.get("/no/such/page", headers=HTML), 404),
    "json 422": (lambda b: b.api.post("problems", json={}), 422),
    "json 401": (lambda b: b.anonymous.get("/api/v1/me"), 401),
    "csrf 403": (lambda b: b.web.post("problems", {"csrf_token": "", "title": "t"}), 403),
    "405": (lambda b: b.anonymous.delete("/healthz"), 405),
    "413 declared": (lambda b: b.api.post("problems", content=b"x" * (b.limit + 1)), 413),
    "413 streamed": (
        lambda b: b.api.client.post(
            b.api.url("problems"),
            content=_streamed(b.limit),
            headers=b.api.headers | {"Content-Type": "application/json"},
        ),
        413,
    ),
    "redirect to sign in": (
        lambda b: b.anonymous.get(f"/w/{b.api.ws}", headers=HTML, follow_redirects=False),
        303,
    ),
    "redirect after a form": (
        lambda b: b.web.post("problems", {"title": "Exports break", "statement": "s"}),
        303,
    ),
    "static file": (lambda b: b.anonymous.get("/static/app.js"), 200),
    "vendored file": (lambda b: b.anonymous.get("/static/vendor/htmx/htmx.min.js"), 200),
    "static 404": (lambda b: b.anonymous.get("/static/no-such-file.js"), 404),
    "health": (lambda b: b.anonymous.get("/healthz"), 200),
    "openapi": (lambda b: b.anonymous.get("/openapi.json"), 200),
    "json list": (lambda b: b.api.get("problems"), 200),
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_answer_carries_the_security_headers(
    name: str, web: Web, api: Api, settings: Any
) -> None:
    request, status = ANSWERS[name]
    browsers = Browsers(web, api, TestClient(api.client.app), settings.max_body_bytes)
    response = request(browsers)
    assert response.status_code == status, response.text[:300]
    assert_secured(response)


def _crash() -> Any:
    raise RuntimeError("a bug")


@pytest.fixture(scope="module")
def crashing_app(shared_app: Any) -> Any:
    """An app of its own, with a route that fails: the shared one stays as it is."""
    app = create_app(shared_app.state.settings, engine=None)
    app.add_api_route("/crash", _crash)
    return app


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_an_unexpected_error_500_carries_them_too(
    crashing_app: Any, engine: Engine, accept: str
) -> None:
    """Starlette's outermost error middleware sends the 500 itself: the headers still come."""
    crashing_app.state.engine = engine
    client = TestClient(crashing_app, raise_server_exceptions=False)
    response = client.get("/crash", headers={"Accept": accept})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(accept)
    assert_secured(response)


def test_the_api_docs_allow_only_their_own_inline_script(client: TestClient) -> None:
    import base64
    import hashlib
    import re

    docs = client.get("/docs")
    assert docs.status_code == 200
    (script,) = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert_secured(docs, script_src=["'self'", f"'sha256-{digest}'"])

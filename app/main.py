"""The application factory: settings, database, routers, static files and error handlers."""

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api_docs import install_api_docs
from app.audit.api import router as audit_router
from app.auth import pages as auth_pages
from app.auth.api import router as auth_router
from app.config import Settings, get_settings
from app.dataio import pages as dataio_pages
from app.dataio.api import router as dataio_router
from app.db import make_engine
from app.decisions import pages as decisions_pages
from app.decisions.api import router as decisions_router
from app.errors import ERROR_RESPONSES, error_body, install_error_handlers
from app.experiments import pages as experiments_pages
from app.experiments.api import routers as experiment_routers
from app.headers import HeadedFastAPI
from app.problems import merge_pages as problem_merge_pages
from app.problems import pages as problems_pages
from app.problems.api import routers as problems_routers
from app.research import evidence_pages, people_pages
from app.research import pages as research_pages
from app.research.api import routers as research_routers
from app.scorecards import pages as scorecards_pages
from app.scorecards.api import router as scorecards_router
from app.search import pages as search_pages
from app.search.api import router as search_router
from app.sharing import pages as sharing_pages
from app.sharing.api import router as sharing_router
from app.validation import refuse_unreadable_input
from app.web import STATIC_DIR, render_error_page
from app.workspaces import pages as workspaces_pages
from app.workspaces.api import router as workspaces_router

API_PREFIX = "/api/v1"


class BodySizeLimit:
    """Answer 413 before reading a body larger than the limit, declared or streamed."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_import_bytes: int, max_transcript_bytes: int
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_import_bytes = max_import_bytes
        # A transcript file comes in a form with a few fields beside it.
        self.max_upload_bytes = max(max_bytes, max_transcript_bytes + FORM_ROOM)

    def limit(self, path: str) -> int:
        if is_import_path(path):
            return self.max_import_bytes
        return self.max_upload_bytes if is_transcript_upload(path) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # File imports and transcript uploads are the places large bodies are expected.
        limit = self.limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, scope)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(send, limit, scope)


def is_import_path(path: str) -> bool:
    """An import route: an `import` segment outside the workspace slug (a workspace called
    `imports-team` must not lift the limit of all its routes)."""
    without_slug = _WORKSPACE_SLUG.sub(r"\1/-", path)
    return "import" in without_slug.split("/")


def is_transcript_upload(path: str) -> bool:
    """A route that takes a transcript file: the API's `.../transcript` and the page's
    interview form."""
    without_slug = _WORKSPACE_SLUG.sub(r"\1/-", path)
    return without_slug.split("/")[-1] == "transcript" or without_slug == "/w/-/interviews"


FORM_ROOM = 100_000
_WORKSPACE_SLUG = re.compile(r"^(/api/v1/workspaces|/w)/[^/]+")


class _BodyTooLarge(StarletteHTTPException):
    # An HTTPException, so FastAPI's body parsing passes it on to the error handlers (which
    # answer 413 in the error shape) instead of turning it into a 400.
    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_message(limit))


def _too_large_message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit:,} bytes."


def _form_page_behind(scope: Scope) -> str | None:
    """The page a browser posted an oversized form from (same site only), or None."""
    path = str(scope.get("path", ""))
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if path.startswith(API_PREFIX) or not content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return None
    referer = urlsplit(headers.get(b"referer", b"").decode("latin-1"))
    host = headers.get(b"host", b"").decode("latin-1")
    if not referer.path.startswith("/") or (referer.netloc and referer.netloc != host):
        return None
    query = [(k, v) for k, v in parse_qsl(referer.query) if k != "too_large"]
    return referer.path + "?" + urlencode([*query, ("too_large", "1")])


async def _too_large(send: Send, limit: int, scope: Scope | None = None) -> None:
    """413 in the error shape; a form posted from a page goes back to that page instead, which
    says what happened and puts the typed text back (static/app.js kept a copy)."""
    page = _form_page_behind(scope) if scope is not None else None
    if page is not None:
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", page.encode()), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return

    body = json.dumps(error_body("too_large", _too_large_message(limit))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def api_router() -> APIRouter:
    """Every domain's JSON routes under /api/v1."""
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    api.include_router(auth_router)
    api.include_router(workspaces_router)
    for router in [*research_routers, *problems_routers, *experiment_routers, decisions_router]:
        api.include_router(router)
    api.include_router(scorecards_router)
    api.include_router(audit_router)
    api.include_router(dataio_router)
    api.include_router(search_router)
    api.include_router(sharing_router)
    return api


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = HeadedFastAPI(
        title="Evident",
        version="0.1.0",
        description="Discovery-research evidence tracker: log what customers say and do, test "
        "assumptions against criteria fixed in advance, and decide from explained scorecards.",
        # Swagger UI is served by install_api_docs from our own static files; one docs page
        # is enough to keep offline, so no ReDoc.
        docs_url=None,
        redoc_url=None,
        # Every route, pages included: no NUL character in any text, no NaN in any JSON.
        dependencies=[Depends(refuse_unreadable_input)],
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, echo=settings.log_sql)
    install_error_handlers(app)
    app.include_router(api_router())
    install_api_docs(app)
    install_pages(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
        max_transcript_bytes=settings.max_transcript_bytes,
    )
    return app


PAGE_ROUTERS = (
    auth_pages.router,
    scorecards_pages.router,
    problem_merge_pages.router,
    problems_pages.router,
    people_pages.router,
    research_pages.router,
    evidence_pages.router,
    experiments_pages.router,
    decisions_pages.router,
    workspaces_pages.router,
    search_pages.router,
    dataio_pages.router,
    sharing_pages.router,
)


def install_pages(app: FastAPI) -> None:
    """Mount the static files and every domain's pages, and render HTML errors as pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.state.render_error_page = render_error_page

"""The application factory: settings, database, routers, static files and error handlers."""

import re
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings, get_settings
from app.db import make_engine
from app.errors import ERROR_RESPONSES, error_body, install_error_handlers
from app.validation import refuse_unreadable_input

API_PREFIX = "/api/v1"


class BodySizeLimit:
    """Answer 413 before reading a body larger than the limit, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_import_bytes = max_import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # File imports are the one place large bodies are expected.
        limit = self.max_import_bytes if is_import_path(scope.get("path", "")) else self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
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
            await _too_large(send, limit)


def is_import_path(path: str) -> bool:
    """An import route: an `import` segment outside the workspace slug (a workspace called
    `imports-team` must not lift the limit of all its routes)."""
    without_slug = _WORKSPACE_SLUG.sub(r"\1/-", path)
    return "import" in without_slug.split("/")


_WORKSPACE_SLUG = re.compile(r"^(/api/v1/workspaces|/w)/[^/]+")


class _BodyTooLarge(StarletteHTTPException):
    # An HTTPException, so FastAPI's body parsing passes it on to the error handlers (which
    # answer 413 in the error shape) instead of turning it into a 400.
    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_message(limit))


def _too_large_message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit:,} bytes."


async def _too_large(send: Send, limit: int) -> None:
    import json

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
    from app.audit.api import router as audit_router
    from app.auth.api import router as auth_router
    from app.dataio.api import router as dataio_router
    from app.decisions.api import router as decisions_router
    from app.experiments.api import routers as experiment_routers
    from app.problems.api import router as problems_router
    from app.research.api import routers as research_routers
    from app.scoring.api import router as scoring_router
    from app.search.api import router as search_router
    from app.workspaces.api import router as workspaces_router

    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    api.include_router(auth_router)
    api.include_router(workspaces_router)
    for router in [*research_routers, problems_router, *experiment_routers, decisions_router]:
        api.include_router(router)
    api.include_router(scoring_router)
    api.include_router(audit_router)
    api.include_router(dataio_router)
    api.include_router(search_router)
    return api


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Evident",
        version="0.1.0",
        description="Discovery-research evidence tracker: log what customers say and do, test "
        "assumptions against criteria fixed in advance, and decide from explained scorecards.",
        # Every route, pages included: no NUL character in any text, no NaN in any JSON.
        dependencies=[Depends(refuse_unreadable_input)],
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, echo=settings.log_sql)
    install_error_handlers(app)
    app.include_router(api_router())
    from app.pages import install_pages

    install_pages(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    return app

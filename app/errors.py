"""One error type, one error shape: ``{"error": {"code", "message", "details"}}``.

The handler answers JSON for the API and for clients that ask for it, and an HTML page
(or an htmx toast) for browsers, so every surface reports errors the same way.
"""

import html
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("evident")


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code

    @property
    def headers(self) -> dict[str, str]:
        """Response headers this error calls for."""
        return {}


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class InvalidInput(AppError):
    status = 422
    code = "invalid_input"


class FormError(AppError):
    """A posted form that could not be saved. It carries the page that shows the form again,
    with what was typed and each field's error, rendered before the transaction rolls back (the
    rows it shows are gone after); the one handler answers with that page."""

    status = 422
    code = "invalid_input"

    def __init__(
        self, page: Response, message: str = "Some fields need attention.", *, details: Any = None
    ) -> None:
        super().__init__(message, details=details)
        self.page = page
        self.status = page.status_code


class TooLarge(AppError):
    status = 413
    code = "too_large"


class UnsupportedType(AppError):
    """A file of a type the route cannot read (or not text at all)."""

    status = 415
    code = "unsupported_media_type"


class Unavailable(AppError):
    """The database could not take the change now; sending it again later will work."""

    status = 503
    code = "unavailable"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. `invalid_input`.")
    message: str = Field(description="In plain words, for a person.")
    details: Any = Field(
        default=None, description="For `invalid_input`, a list of `{field, message, type}`."
    )


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorInfo


def error_response(description: str) -> dict[str, Any]:
    """An error status for an operation's `responses=`, in the one error shape."""
    return {"model": ErrorBody, "description": description}


# What any API operation may answer besides its success; declared once on the API router so
# the OpenAPI document lists every status a client can get.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: error_response("The body could not be read (a malformed form or upload)."),
    401: error_response("Not signed in, or the token expired or was revoked."),
    403: error_response("Your role in the workspace does not allow this."),
    404: error_response("No such workspace or row, or not one you can see."),
    409: error_response("Conflicts with the data as it is now."),
    413: error_response("The body is larger than the limit."),
    422: error_response("Invalid input: `details` lists each field at fault."),
}


def _wants_html(request: Request) -> bool:
    """Pages answer errors as pages (or toasts), the API as JSON; outside the API only a client
    that asks for JSON and not HTML gets JSON."""
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


def render_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        renderer = getattr(request.app.state, "render_error_page", None)
        if renderer is not None:
            response: Response = renderer(request, status, code, message, details)
        else:
            text = html.escape(message)
            response = HTMLResponse(f"<h1>{status}</h1><p>{text}</p>", status_code=status)
        if headers:
            response.headers.update(headers)
        return response
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def app_error_response(request: Request, exc: AppError) -> Response:
    """The answer to a domain error, for routes that must return it rather than raise it."""
    return render_error(request, exc.status, exc.code, exc.message, exc.details, exc.headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append(
            {"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type")}
        )
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if isinstance(exc, FormError) and _wants_html(request):
            return exc.page
        return app_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        first = details[0] if details else {"field": "", "message": "invalid input"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return render_error(request, 422, "invalid_input", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return render_error(request, exc.status_code, code, message, None, exc.headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error: %s", exc.orig)
        return render_error(
            request, 409, "conflict", "That change conflicts with existing data.", None
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return render_error(request, 500, "internal_error", "Something went wrong on our side.")

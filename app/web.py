"""Web helpers: templates, htmx detection and redirects, CSRF tokens."""

import hashlib
import hmac
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from app.errors import Forbidden

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def csrf_token_for(request: Request, session_token: str) -> str:
    """A CSRF token bound to the sign-in: an HMAC of the session token under the app secret."""
    secret = request.app.state.settings.secret_key.encode()
    return hmac.new(secret, session_token.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, session_token: str) -> None:
    """Refuse a cookie-authenticated write whose CSRF token is missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None)
    if not sent or not hmac.compare_digest(sent, csrf_token_for(request, session_token)):
        raise Forbidden(
            "Missing or invalid CSRF token; reload the page and try again.", code="csrf"
        )


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def hx_redirect(request: Request, url: str) -> Response:
    """Redirect that works for both htmx (HX-Redirect) and plain form posts (303)."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return Response(status_code=303, headers={"Location": url})

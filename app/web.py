"""Web helpers: templates, htmx detection and redirects, CSRF tokens."""

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.datastructures import FormData

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


# ---- pages: templates, rendering and the CSRF field of forms ---------------------------------

ANON_COOKIE = "evident_anon"


def session_token_of(request: Request) -> str | None:
    from app.auth.deps import SESSION_COOKIE

    return request.cookies.get(SESSION_COOKIE)


def page_csrf_token(request: Request) -> str:
    """The token our forms and htmx requests send back: bound to the sign-in, or, before one,
    to a random value kept in a cookie (sign-in and first-run forms)."""
    token = session_token_of(request)
    if token:
        return csrf_token_for(request, token)
    anon = getattr(request.state, "anon_csrf", None) or request.cookies.get(ANON_COOKIE)
    return csrf_token_for(request, "anon:" + anon) if anon else ""


def check_anonymous_csrf(request: Request) -> None:
    """Refuse a sign-in or first-run post that does not come from our own form."""
    anon = request.cookies.get(ANON_COOKIE)
    sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None)
    if (
        not anon
        or not sent
        or not hmac.compare_digest(sent, csrf_token_for(request, "anon:" + anon))
    ):
        raise Forbidden(
            "Missing or invalid CSRF token; reload the page and try again.", code="csrf"
        )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_form(request: Request) -> FormData:
    """The posted form (parsed once per request); its csrf_token field is noted for check_csrf.

    Page routers run this before any other dependency, so `current_user` sees the token.
    """
    if request.method in SAFE_METHODS:
        return FormData()
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(_FORM_TYPES):
        return FormData()
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if isinstance(sent, str):
        request.state.form_csrf = sent
    return form


FormDep = Annotated[FormData, Depends(read_form)]


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "csrf_token": page_csrf_token(request),
        "htmx": is_htmx(request),
        "current_user": getattr(request.state, "user", None),
    }


templates = Jinja2Blocks(directory=str(TEMPLATES_DIR), context_processors=[_page_context])


def plural(count: int, word: str) -> str:
    """'1 participant', '3 participants': counts read as people write them."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


templates.env.filters["plural"] = plural


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page, or only one of its named blocks (what htmx asks for)."""
    response: Response = templates.TemplateResponse(
        request,
        template,
        context or {},
        status_code=status,
        headers=headers,
        block_name=block,
    )
    return response

"""Web helpers: templates, htmx detection and redirects, CSRF tokens."""

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from jinja2_fragments.fastapi import Jinja2Blocks
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.enums import Recommendation, Role
from app.errors import AppError, Forbidden
from app.scoring.words import (
    capitalize_first,
    criteria_words,
    criterion_sentence,
    flag_name,
    points,
    words,
)
from app.validation import FORM_FIELD_MAX_BYTES, whole_number

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# The sign-in of the web UI: a session token in an HttpOnly cookie.
SESSION_COOKIE = "evident_session"


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


def public_url(request: Request, path: str) -> str:
    """An absolute link to a path of this site, for mail and other sites: EVIDENT_BASE_URL
    when set (behind a proxy), else the address the request came to."""
    base = request.app.state.settings.base_url or str(request.base_url)
    return base.rstrip("/") + path


# ---- pages: templates, rendering and the CSRF field of forms ---------------------------------

ANON_COOKIE = "evident_anon"


def session_token_of(request: Request) -> str | None:
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
    form = await request.form(max_part_size=FORM_FIELD_MAX_BYTES)
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


# ---- what every page shares: errors as pages or toasts, the page router, pagination, forms --

PAGE_SIZE = 25


def render_error_page(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> Response:
    """An error for a person: sign in again, a toast for htmx, otherwise a page."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = "/signin?next=" + quote(target, safe="/")
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return Response(status_code=303, headers={"Location": url})
    context = {"status": status, "code": code, "message": message, "details": details}
    if is_htmx(request):
        # Errors land in the toast area whatever the request targeted.
        return render(
            request,
            "_toast.html",
            context,
            status=status,
            headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
        )
    return render(request, "error.html", context, status=status)


def page_router() -> APIRouter:
    """A router of pages: the form's CSRF field is read before anyone is authenticated."""
    return APIRouter(dependencies=[Depends(read_form)], include_in_schema=False)


# ---- pagination ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pager:
    """One page of a list: where it starts, how long it is and how many there are."""

    total: int
    offset: int
    limit: int = PAGE_SIZE

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def prev_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


def offset_param(request: Request, name: str = "offset") -> int:
    raw = request.query_params.get(name, "0")
    return whole_number(raw, low=0) or 0


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None drops one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


# ---- forms -----------------------------------------------------------------------------------


def values_of(form: FormData) -> dict[str, str]:
    """The single-valued fields of a form, stripped, without the CSRF token."""
    return {
        key: value.strip()
        for key, value in form.items()
        if isinstance(value, str) and key != "csrf_token"
    }


def none_if_blank(values: Mapping[str, str], keys: Iterable[str]) -> dict[str, Any]:
    return {key: (values.get(key) or None) for key in keys}


# A stale edit's comparison: (field, what was typed, what someone else saved), in words.
CompareRow = tuple[str, str, str]
# The fields a form compares: its key, its label, and how its value reads in words.
ShownField = tuple[str, str, Callable[[Any], str]]


def compare_rows(
    shown: Iterable[ShownField], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> list[CompareRow]:
    """(label, yours, theirs) for each shown field where the typed form and the saved row read
    differently; a field missing from either side reads as blank."""
    rows = []
    for key, label, show in shown:
        yours, saved = show(mine.get(key, "")), show(theirs.get(key, ""))
        if yours != saved:
            rows.append((label, yours, saved))
    return rows


def typed_text(value: Any) -> str:
    """Free text as typed; a blank reads "none" rather than an empty cell."""
    text = "" if value is None else str(value)
    return text or "none"


def chosen_words(value: Any) -> str:
    """A value chosen from a list (an enum), in words; a blank reads "none"."""
    return words(value) if value not in (None, "") else "none"


def stale_message(what: str, pronoun: str = "it") -> str:
    """What a form saved against an older version says above the two versions."""
    return (
        f"Someone else changed {what} while you were editing {pronoun}. Compare the two"
        " versions, then save yours or take theirs."
    )


# The label a person reads for each field a form can get wrong; the rest read as their name.
FIELD_LABELS = {
    "kind": "a decision",
    "problem_id": "a problem",
    "participant_id": "a participant",
    "assumption_id": "an assumption",
    "segment_id": "a segment",
    "signal": "a signal",
    "method": "a method",
    "operator": "a success criterion",
    "category": "a category",
    "status": "a status",
    "frequency": "a frequency",
    "occurred_on": "the date",
    "review_on": "the review date",
    "review_by": "the review date",
    "feasibility_estimate": "the team's feasibility estimate",
    "customer_advocate_notes": "the customer advocate notes",
    "against_reason": "why you go against the evidence",
    "observed_value": "the observed value",
    "inconclusive_reason": "why the test is inconclusive",
    "min_participants": "the minimum of participants",
}
# Fields chosen from a list: "Choose ...", where typed ones read "Enter ...".
CHOSEN = {"kind", "signal", "method", "operator", "category", "status", "frequency"}


def field_label(loc: Sequence[Any]) -> str:
    """'highlights.1.problem_id' -> 'a problem for highlight 2'; 'rationale' -> 'the rationale'."""
    parts = [str(p) for p in loc if str(p) not in ("body", "query", "path")]
    name = parts[-1] if parts else "value"
    label = FIELD_LABELS.get(name) or f"the {name.removesuffix('_id').replace('_', ' ')}"
    for outer, index in pairwise(parts):
        if index.isdigit():
            label += f" for {outer.removesuffix('s').replace('_', ' ')} {int(index) + 1}"
    return label


def error_sentence(err: Mapping[str, Any]) -> str:
    """One sentence for one validation error, naming the field as the form labels it."""
    loc = err.get("loc", ())
    name = str(loc[-1]) if loc else ""
    label = field_label(loc)
    bare = label.removeprefix("a ").removeprefix("an ").removeprefix("the ")
    kind = str(err.get("type", ""))
    context = err.get("ctx") or {}
    given = err.get("input")
    blank = given is None or (isinstance(given, str) and not given.strip())
    chosen = name in CHOSEN or name.endswith("_id")
    if kind == "missing" or (blank and kind not in ("value_error",)):
        return f"Choose {label}." if chosen else f"Enter {label}."
    if kind == "enum":
        options = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        said = ", ".join(words(o) for o in options)
        return f"Choose {label} from the list ({said})." if said else f"Choose {label}."
    if kind in ("int_parsing", "int_from_float"):
        return f"Enter {label} as a whole number."
    if kind in ("float_parsing", "finite_number"):
        return f"Enter {label} as a number."
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"Enter {label} as a date."
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else 0
        return f"Shorten {label}: at most {context.get('max_length')} characters" + (
            f" (it has {length:,})." if length else "."
        )
    if kind == "string_too_short":
        return f"Enter {label}."
    if kind in ("greater_than_equal", "greater_than"):
        bound = context.get("ge", context.get("gt"))
        return f"{capitalize_first(bare)} must be at least {bound}."
    if kind in ("less_than_equal", "less_than"):
        bound = context.get("le", context.get("lt"))
        return f"{capitalize_first(bare)} must be at most {bound}."
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return capitalize_first(message)


def validation_errors(exc: ValidationError, rename: Callable[[str], str] = str) -> dict[str, str]:
    """Field name -> a sentence naming the field, for showing next to each field."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(part) for part in err.get("loc", ()))
        errors.setdefault(rename(loc), error_sentence(err))
    return errors


def app_errors(exc: AppError, rename: Callable[[str], str] = str) -> dict[str, str]:
    """Field name -> message from a domain error's details; the message under '' otherwise."""
    errors: dict[str, str] = {}
    if isinstance(exc.details, list):
        for item in exc.details:
            if isinstance(item, dict) and item.get("field"):
                errors.setdefault(rename(str(item["field"])), exc.message.split(": ", 1)[-1])
    if not errors:
        errors[""] = exc.message
    return errors


# ---- template helpers ------------------------------------------------------------------------

RECOMMENDATION_MARKERS = {
    Recommendation.pursue: "+",
    Recommendation.pivot: "~",
    Recommendation.halt: "\u00d7",  # a multiplication sign: reads as "stop"
    Recommendation.investigate: "?",
}


def _marker(recommendation: str) -> str:
    return RECOMMENDATION_MARKERS.get(Recommendation(recommendation), "?")


def _humanise(value: Any) -> str:
    return words(value)


templates.env.globals.update(url_with=url_with, Role=Role, criterion_sentence=criterion_sentence)
templates.env.filters.update(
    marker=_marker,
    flag_words=flag_name,
    points=points,
    criteria_words=criteria_words,
    capitalize_first=capitalize_first,
    humanise=_humanise,
    choices=lambda rows, text="name": [(row.id, getattr(row, text)) for row in rows],
    options=lambda values: [
        (getattr(v, "value", v), _humanise(getattr(v, "value", v))) for v in values
    ],
)

"""What every page shares: the route class that renders errors as pages or toasts, the page
router, pagination, and turning posted forms into the services' schemas and back."""

from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.enums import Recommendation, Role
from app.errors import AppError
from app.validation import whole_number
from app.web import is_htmx, read_form, render, templates

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


class PageRoute(APIRoute):
    """A route whose domain errors render as HTML, whatever the client's Accept header."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except AppError as exc:
                return render_error_page(request, exc.status, exc.code, exc.message, exc.details)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                field = ".".join(str(p) for p in first.get("loc", ()))
                message = f"{field}: {first.get('msg', 'invalid')}" if field else "Invalid input."
                return render_error_page(request, 422, "invalid_input", message)

        return page_handler


def page_router() -> APIRouter:
    """A router of pages: the form's CSRF field is read before anyone is authenticated."""
    return APIRouter(
        route_class=PageRoute, dependencies=[Depends(read_form)], include_in_schema=False
    )


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


def validation_errors(exc: ValidationError, rename: Callable[[str], str] = str) -> dict[str, str]:
    """Field name -> message, for showing next to each field."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(part) for part in err.get("loc", ()))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(rename(loc), message)
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

FLAG_WORDS = {
    "single_source": "one loud source",
    "owner_only": "only the owner's evidence",
    "no_disconfirming": "no disconfirming evidence",
    "opinions_only": "opinions, no behaviour",
    "narrow_segment": "one segment only",
    "stale": "evidence is getting old",
    "unsegmented": "participants without a segment",
    "goalposts_moved": "kill criteria moved",
    "against_evidence": "decided against the evidence",
}


def _marker(recommendation: str) -> str:
    return RECOMMENDATION_MARKERS.get(Recommendation(recommendation), "?")


def _humanise(value: Any) -> str:
    return str(value).replace("_", " ")


templates.env.globals.update(url_with=url_with, Role=Role)
templates.env.filters.update(
    marker=_marker,
    flag_words=lambda code: FLAG_WORDS.get(str(code), _humanise(code)),
    humanise=_humanise,
    choices=lambda rows, text="name": [(row.id, getattr(row, text)) for row in rows],
    options=lambda values: [
        (getattr(v, "value", v), _humanise(getattr(v, "value", v))) for v in values
    ],
)

"""The search page: one form, ranked results with the matching words marked, live with htmx."""

from datetime import date
from typing import Any, get_args

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import AppError
from app.problems.repository import problems_by_title
from app.research.models import Participant
from app.research.repository import segments_by_name
from app.search import service
from app.search.repository import ResultKind, SearchQuery, terms
from app.validation import whole_number
from app.web import app_errors, is_htmx, offset_param, page_router, render
from app.workspaces.deps import WorkspaceDep

router = page_router()

RESULTS_PER_PAGE = 20
KIND_OPTIONS = [("problem", "Problems"), ("interview", "Interview notes"), ("evidence", "Quotes")]


def _day(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Give a date as YYYY-MM-DD."
        return None


def _id(raw: str) -> int | None:
    return whole_number(raw)


def _participant(session: SessionDep, workspace_id: int, pid: int | None) -> Participant | None:
    row = session.get(Participant, pid) if pid is not None else None
    return row if row is not None and row.workspace_id == workspace_id else None


@router.get("/w/{ws}/search")
def search_page(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    """The form and, once there are words to look for, a page of ranked results."""
    params = {key: value.strip() for key, value in request.query_params.items()}
    errors: dict[str, str] = {}
    kind, q = params.get("kind", ""), params.get("q", "")
    filters: dict[str, Any] = {
        "q": q,
        "kind": kind if kind in get_args(ResultKind) else "",
        "problem_id": _id(params.get("problem_id", "")),
        "segment_id": _id(params.get("segment_id", "")),
        "participant_id": _id(params.get("participant_id", "")),
        "date_from": _day(params.get("date_from", ""), "date_from", errors),
        "date_to": _day(params.get("date_to", ""), "date_to", errors),
    }
    results = None
    if q and not terms(q):
        errors["q"] = (
            "Type at least one word to search for; common words such as “the” or “us” are left out."
        )
    if q and not errors:
        query = SearchQuery(
            q=q[:200],
            kind=filters["kind"] or None,
            problem_id=filters["problem_id"],
            segment_id=filters["segment_id"],
            participant_id=filters["participant_id"],
            date_from=filters["date_from"],
            date_to=filters["date_to"],
            limit=RESULTS_PER_PAGE,
            offset=min(offset_param(request), 10_000),
        )
        try:
            results = service.search(session=session, ctx=ctx, query=query)
        except AppError as exc:
            errors = app_errors(exc)
            if "date_from" in exc.message:
                errors = {"date_to": "Must not be before the start date."}
    context: dict[str, Any] = {
        "ctx": ctx,
        "nav": "search",
        "filters": filters,
        "results": results,
        "errors": errors,
        "filtered": any(filters[k] for k in filters if k != "q"),
    }
    status = 422 if errors else 200
    if is_htmx(request) and request.headers.get("HX-Target") == "search-results":
        return render(request, "search/page.html", context, block="results", status=status)
    context |= {
        "kinds": KIND_OPTIONS,
        "problems": problems_by_title(session, ctx),
        "segments": segments_by_name(session, ctx),
        "participant": _participant(session, ctx.id, filters["participant_id"]),
    }
    return render(request, "search/page.html", context, status=status)

"""The evidence list: every item of the workspace, filtered, and bulk edits of what it shows."""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.db import SessionDep
from app.enums import Frequency, InterviewKind, Stance
from app.errors import AppError, FormError, InvalidInput
from app.problems import repository as problems_repository
from app.research import bulk, people
from app.research.pages import SIGNAL_OPTIONS
from app.validation import Id, whole_number
from app.web import (
    PAGE_SIZE,
    FormDep,
    Pager,
    hx_redirect,
    offset_param,
    page_router,
    render,
)
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

FILTERS = tuple(bulk.EvidenceSelection.model_fields)


def _selection(values: dict[str, Any], prefix: str = "") -> bulk.EvidenceSelection:
    """The filter from a query string or a form; blank fields filter nothing."""
    given = {name: str(values.get(prefix + name) or "").strip() for name in FILTERS}
    try:
        return bulk.EvidenceSelection.model_validate({k: v for k, v in given.items() if v})
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]).replace("_", " ") for e in exc.errors()}))
        raise InvalidInput(
            f"This filter cannot be read ({fields}): change it and try again."
        ) from None


def _query(f: bulk.EvidenceSelection, **more: Any) -> str:
    params = {k: v for k, v in f.model_dump(mode="json").items() if v not in (None, "")}
    params |= {k: v for k, v in more.items() if v not in (None, "")}
    return urlencode(params)


def _list_page(
    request: Request,
    session: Session,
    ctx: WorkspaceContext,
    f: bulk.EvidenceSelection,
    *,
    offset: int = 0,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    picker: tuple[str | None, dict[str, str]] = (None, {}),
) -> Response:
    found = bulk.evidence_list(session=session, ctx=ctx, f=f, offset=offset, limit=PAGE_SIZE)
    done = whole_number(request.query_params.get("done", ""))
    undone = whole_number(request.query_params.get("undone", ""))
    context = {
        "ctx": ctx,
        "nav": "evidence",
        "f": f,
        "found": found,
        "pager": Pager(total=found.total, offset=offset),
        "filter_query": _query(f),
        "problems": problems_repository.problems_by_title(session, ctx),
        # The participant filter is a type-ahead picker: no list of everyone in the page.
        "chosen": people.live(session, ctx, f.participant_id),
        "typed": picker[0],
        "picker_errors": picker[1],
        "signals": SIGNAL_OPTIONS,
        "stances": list(Stance),
        "kinds": list(InterviewKind),
        "frequencies": list(Frequency),
        "done": bulk.describe(session=session, ctx=ctx, event_id=done) if done else None,
        "undone": bulk.describe(session=session, ctx=ctx, event_id=undone) if undone else None,
        "errors": errors or {},
        "values": values or {},
        "seen_at": bulk.utcnow().isoformat(),
    }
    return render(request, "research/evidence.html", context, status=status)


@router.get("/w/{ws}/evidence")
def evidence_list(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    params = dict(request.query_params)
    picker: tuple[str | None, dict[str, str]] = (None, {})  # found: the box names them
    try:
        params["participant_id"] = people.picked(session, ctx, "participant_id", params)
    except InvalidInput as exc:
        # A name that is no one's, or several people's: the page says so, unfiltered by it.
        params["participant_id"] = ""
        picker = (params.get("participant_id_q"), {"participant_id": exc.message})
    f = _selection(params)
    status = 422 if picker[1] else 200
    return _list_page(
        request, session, ctx, f, offset=offset_param(request), status=status, picker=picker
    )


def _change(values: dict[str, str]) -> bulk.BulkChange:
    if values.get("do") == "delete":
        return bulk.BulkChange(delete=True)
    severity, frequency = values.get("to_severity", ""), values.get("to_frequency", "")
    data: dict[str, Any] = {
        "problem_id": values.get("to_problem") or None,
        "signal": values.get("to_signal") or None,
        "severity": severity if severity not in ("", "none") else None,
        "clear_severity": severity == "none",
        "frequency": frequency if frequency not in ("", "none") else None,
        "clear_frequency": frequency == "none",
    }
    return bulk.BulkChange.model_validate(data)


@router.post("/w/{ws}/evidence/bulk")
def bulk_edit(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep
) -> Response:
    """Apply one change to the ticked items, or to every item the filter keeps."""
    values = {k: str(v).strip() for k, v in form.items() if k != "ids"}
    f = _selection(values, prefix="f_")
    everything = values.get("scope") == "all"
    ids = [int(str(i)) for i in form.getlist("ids") if whole_number(str(i))]
    errors: dict[str, str] = {}
    if not everything and not ids:
        errors[""] = "Tick the items to change, or choose “all items matching this filter”."
    result = None
    if not errors:
        try:
            payload = bulk.BulkEdit(
                ids=None if everything else ids,
                filter=f if everything else None,
                change=_change(values),
                seen_at=values.get("seen_at") or None,
            )
            result = bulk.apply(session=session, ctx=ctx, payload=payload)
        except ValidationError as exc:
            errors[""] = "; ".join(
                str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()
            )
        except AppError as exc:
            errors[""] = exc.message
    if result is None:
        page = _list_page(
            request, session, ctx, f, errors=errors, values=values | {"ids": ids}, status=422
        )
        raise FormError(page, errors[""])
    query = _query(f, done=result.event_id)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/evidence?{query}")


@router.post("/w/{ws}/evidence/bulk/{event_id}/undo")
def bulk_undo(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep, event_id: Id
) -> Response:
    """Put back what a bulk edit changed, then show the list as it was filtered."""
    f = _selection({k: str(v) for k, v in form.items()}, prefix="f_")
    bulk.undo(session=session, ctx=ctx, event_id=event_id)
    query = _query(f, undone=event_id)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/evidence?{query}")

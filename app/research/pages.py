"""Logging an interview fast (keyboard only, highlights added inline) and the interview list."""

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.db import SessionDep
from app.enums import Frequency, InterviewKind, Signal
from app.errors import AppError, FormError
from app.kit.rows import get_for_update, get_row, restore, soft_delete
from app.problems import repository as problems_repository
from app.research import repository
from app.research.deps import uploaded_transcript
from app.research.models import (
    Interview,
    InterviewCreate,
    ParticipantCreate,
)
from app.research.service import create_interview, create_participant, latest_today
from app.research.transcript_files import ACCEPT_ATTRIBUTE, ACCEPTED
from app.validation import Id, whole_number
from app.web import (
    PAGE_SIZE,
    FormDep,
    Pager,
    app_errors,
    hx_redirect,
    offset_param,
    page_router,
    render,
    validation_errors,
    values_of,
)
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

HIGHLIGHT_FIELDS = ("quote", "problem", "signal", "severity", "frequency")
SIGNAL_OPTIONS = [(s.value, f"{s.value.replace('_', ' ')} ({s.stance.value})") for s in Signal]


def _blank_highlight(problem_id: str = "") -> dict[str, str]:
    return {"quote": "", "problem": problem_id, "signal": "stated", "severity": "", "frequency": ""}


def _form_context(
    session: Session,
    ctx: WorkspaceContext,
    *,
    values: dict[str, Any],
    highlights: list[dict[str, str]],
    covered: list[str],
    errors: dict[str, str],
) -> dict[str, Any]:
    return {
        "ctx": ctx,
        "nav": "interviews",
        "values": values,
        "highlights": highlights,
        "covered": covered,
        "errors": errors,
        "problems": problems_repository.problems_by_title(session, ctx),
        "participants": repository.participants_by_name(session, ctx),
        "segments": repository.segments_by_name(session, ctx),
        "kinds": list(InterviewKind),
        "signals": SIGNAL_OPTIONS,
        "frequencies": list(Frequency),
        "latest_date": latest_today(),
        "transcript_accept": ACCEPT_ATTRIBUTE,
        "transcript_types": ACCEPTED,
    }


@router.get("/w/{ws}/interviews/new")
def new_interview(request: Request, ctx: ContributorDep, session: SessionDep) -> Response:
    problem_id = request.query_params.get("problem_id", "")
    problem_id = problem_id if whole_number(problem_id) else ""
    values = {
        "occurred_on": date.today().isoformat(),
        "kind": "interview",
        "problem_id": problem_id,
        "return_to": f"/w/{ctx.workspace.slug}/problems/{problem_id}" if problem_id else "",
    }
    context = _form_context(
        session,
        ctx,
        values=values,
        highlights=[_blank_highlight(problem_id)],
        covered=[problem_id] if problem_id else [],
        errors={},
    )
    return render(request, "research/new.html", context)


@router.get("/w/{ws}/interviews/highlight-row")
def highlight_row(request: Request, ctx: ContributorDep, session: SessionDep) -> Response:
    """One more empty highlight row (htmx), and the add button that knows the next index."""
    raw = request.query_params.get("index", "1")
    index = whole_number(raw, low=0, high=1_000)
    index = 1 if index is None else index
    problem_id = request.query_params.get("problem_id", "")
    context = {
        "ctx": ctx,
        "i": index,
        "h": _blank_highlight(problem_id if whole_number(problem_id) else ""),
        "errors": {},
        "problems": problems_repository.problems_by_title(session, ctx),
        "signals": SIGNAL_OPTIONS,
        "frequencies": list(Frequency),
        "autofocus": True,
        "next_index": index + 1,
        "default_problem": problem_id,
    }
    return render(request, "research/_highlight.html", context)


@router.post("/w/{ws}/participants/inline")
def inline_participant(
    request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep
) -> Response:
    """Create a participant from the interview form and answer the picker with them chosen."""
    values = values_of(form)
    errors: dict[str, str] = {}
    selected = values.get("participant_id", "")
    try:
        participant = create_participant(session=session, ctx=ctx, payload=_new_participant(values))
        selected = str(participant.id)
        values = {k: v for k, v in values.items() if not k.startswith("np_")}
    except ValidationError as exc:
        errors = validation_errors(exc, lambda f: "np_" + f)
    except AppError as exc:
        errors = app_errors(exc, lambda f: "np_" + f.removesuffix("_id"))
    context = {
        "ctx": ctx,
        "values": values | {"participant_id": selected},
        "errors": errors,
        "participants": repository.participants_by_name(session, ctx),
        "segments": repository.segments_by_name(session, ctx),
        "created": not errors,
    }
    if errors:
        raise FormError(render(request, "research/_participant_picker.html", context, status=422))
    return render(request, "research/_participant_picker.html", context)


def _new_participant(values: dict[str, str]) -> ParticipantCreate:
    return ParticipantCreate(
        name=values.get("np_name", ""),
        organisation=values.get("np_organisation", ""),
        segment_id=values.get("np_segment") or None,  # type: ignore[arg-type]
    )


def _highlight_rows(form: Any) -> list[dict[str, str]]:
    columns = {field: form.getlist(f"h_{field}") for field in HIGHLIGHT_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {
            field: (str(columns[field][i]).strip() if i < len(columns[field]) else "")
            for field in HIGHLIGHT_FIELDS
        }
        if row["quote"]:  # rows left empty are not highlights
            rows.append(row)
    return rows


def _highlight_field(loc: str) -> str:
    """highlights.2.problem_id -> h-2-problem, the id of the field on the page."""
    parts = loc.split(".")
    if parts[0] == "highlights" and len(parts) >= 2:
        field = parts[2] if len(parts) > 2 else "quote"
        field = {"problem_id": "problem", "stance": "signal"}.get(field, field)
        return f"h-{parts[1]}-{field}"
    if parts[0] == "problem_ids":
        return "problem_ids"
    return parts[0]


def _notes_of(request: Request, form: Any) -> tuple[str, dict[str, str]]:
    """The notes typed, or read from the transcript file chosen instead; or why the file is
    refused."""
    notes = str(form.get("notes") or "")
    upload = form.get("transcript")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return notes, {}
    if notes.strip():
        return notes, {
            "transcript": "Choose a transcript file or type notes, not both: clear the notes "
            "to use the file."
        }
    try:
        return uploaded_transcript(request, upload).text, {}
    except AppError as exc:
        return notes, {"transcript": exc.message}


@router.post("/w/{ws}/interviews")
def create(request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep) -> Response:
    """Log the interview, its covered problems and highlights; on an error keep every value."""
    values = values_of(form)
    highlights = _highlight_rows(form)
    covered = [str(v) for v in form.getlist("problem_ids")]
    notes, errors = _notes_of(request, form)
    payload_data = {
        "kind": values.get("kind") or "interview",
        "occurred_on": values.get("occurred_on") or None,
        "participant_id": values.get("participant_id") or None,
        "title": values.get("title", ""),
        "notes": notes,
        "problem_ids": covered,
        "highlights": [
            {
                "quote": h["quote"],
                "problem_id": h["problem"] or None,
                "signal": h["signal"],
                "severity": h["severity"] or None,
                "frequency": h["frequency"] or None,
            }
            for h in highlights
        ],
    }
    if not errors:  # a refused file leaves nothing to save
        try:
            # A savepoint: when the interview is refused, the participant added with it goes too,
            # before the form is shown again (its list of participants must not offer them).
            with session.begin_nested():
                payload = InterviewCreate.model_validate(payload_data)
                if values.get("np_name") and payload.participant_id is None:
                    # A new participant typed in but not added yet: add them with the interview.
                    participant = create_participant(
                        session=session, ctx=ctx, payload=_new_participant(values)
                    )
                    payload.participant_id = participant.id
                interview = create_interview(session=session, ctx=ctx, payload=payload)
        except ValidationError as exc:
            errors = validation_errors(exc, _highlight_field)
        except AppError as exc:
            errors = app_errors(exc, _highlight_field)
    if errors:
        if "occurred_on" in errors and not values.get("occurred_on"):
            errors["occurred_on"] = "Give the date it happened."
        context = _form_context(
            session,
            ctx,
            values=values,
            highlights=highlights or [_blank_highlight(values.get("problem_id", ""))],
            covered=covered,
            errors=errors,
        )
        raise FormError(render(request, "research/new.html", context, status=422))
    target = values.get("return_to", "")
    if not (target.startswith(f"/w/{ctx.workspace.slug}/") and "//" not in target):
        target = f"/w/{ctx.workspace.slug}/interviews?logged={interview.id}"
    return hx_redirect(request, target)


@router.get("/w/{ws}/interviews")
def list_interviews(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    offset = offset_param(request)
    rows, total = repository.interviews_page(session, ctx, offset=offset, limit=PAGE_SIZE)
    pager = Pager(total=total, offset=offset)
    ids = [r.id or 0 for r in rows]
    evidence = repository.evidence_of_interviews(session, ctx, ids)
    coverage = repository.covered_problems(session, ids)
    problem_titles = {p.id: p.title for p in problems_repository.problems_by_title(session, ctx)}
    people = {p.id: p for p in repository.participants_by_name(session, ctx)}
    notice_id = request.query_params.get("logged", "")
    deleted_id_raw = request.query_params.get("deleted", "")
    deleted = None
    if (deleted_id := whole_number(deleted_id_raw)) is not None:
        row = get_row(session, Interview, ctx, deleted_id, include_deleted=True)
        deleted = row if row.deleted_at else None
    context = {
        "ctx": ctx,
        "nav": "interviews",
        "rows": rows,
        "pager": pager,
        "evidence": evidence,
        "coverage": coverage,
        "problem_titles": problem_titles,
        "people": people,
        "logged": whole_number(notice_id),
        "deleted": deleted,
    }
    return render(request, "research/list.html", context)


@router.post("/w/{ws}/interviews/{interview_id}/delete")
def delete(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id
) -> Response:
    soft_delete(session, ctx, get_for_update(session, Interview, ctx, interview_id))
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/interviews?deleted={interview_id}")


@router.post("/w/{ws}/interviews/{interview_id}/restore")
def restore_interview(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id
) -> Response:
    restore(session, ctx, get_row(session, Interview, ctx, interview_id, include_deleted=True))
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/interviews")

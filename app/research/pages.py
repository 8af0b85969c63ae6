"""Logging an interview fast (keyboard only, highlights added inline) and the interview list."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.db import SessionDep
from app.decisions.repository import user_names
from app.enums import Frequency, InterviewKind, Signal
from app.errors import AppError, Conflict, FormError, NotFound
from app.kit.rows import get_for_update, get_row, restore, rows_by_id, soft_delete
from app.problems import repository as problems_repository
from app.research import repository
from app.research.deps import uploaded_transcript
from app.research.models import (
    EvidenceItem,
    EvidenceUpdate,
    HighlightCreate,
    Interview,
    InterviewCreate,
    InterviewUpdate,
    Participant,
    ParticipantCreate,
)
from app.research.people import picked
from app.research.service import (
    REANCHORED,
    create_highlight,
    create_interview,
    create_participant,
    latest_today,
    transcript_view,
    update_evidence,
    update_interview,
)
from app.research.transcript import render as render_transcript
from app.research.transcript import search_hits
from app.research.transcript_files import ACCEPT_ATTRIBUTE, ACCEPTED
from app.scoring.words import words
from app.validation import Id, whole_number
from app.web import (
    PAGE_SIZE,
    CompareRow,
    FormDep,
    Pager,
    ShownField,
    app_errors,
    chosen_words,
    compare_rows,
    hx_redirect,
    is_htmx,
    offset_param,
    page_router,
    render,
    stale_message,
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
        "chosen": _chosen(session, ctx, values.get("participant_id")),
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
    # The new row's problem: the previous row's, else the first problem ticked as covered.
    params = request.query_params
    chosen = [p for p in params.getlist("h_problem") if p][-1:] or params.getlist("problem_ids")
    problem_id = chosen[0] if chosen else params.get("problem_id", "")
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
        values["participant_id_q"] = participant.name
    except ValidationError as exc:
        errors = validation_errors(exc, lambda f: "np_" + f)
    except AppError as exc:
        errors = app_errors(exc, lambda f: "np_" + f.removesuffix("_id"))
    context = {
        "ctx": ctx,
        "values": values | {"participant_id": selected},
        "errors": errors,
        "chosen": _chosen(session, ctx, selected),
        "segments": repository.segments_by_name(session, ctx),
        "created": not errors,
    }
    if errors:
        raise FormError(render(request, "research/_participant_picker.html", context, status=422))
    return render(request, "research/_participant_picker.html", context)


def _chosen(session: Session, ctx: WorkspaceContext, raw: Any) -> Participant | None:
    """The participant a picker shows as chosen (its id came back from a form)."""
    participant_id = whole_number(str(raw or ""), low=1)
    if participant_id is None:
        return None
    return repository.people_with_segments(session, ctx, {participant_id})[0].get(participant_id)


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
                values["participant_id"] = picked(session, ctx, "participant_id", values)
                payload_data["participant_id"] = values["participant_id"] or None
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
    people, _ = repository.people_with_segments(
        session, ctx, {r.participant_id for r in rows if r.participant_id}
    )
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


# ---- the interview page: the transcript, its highlights, and editing both -------------------


def _page_context(
    request: Request, session: SessionDep, ctx: WorkspaceContext, interview: Interview
) -> dict[str, Any]:
    notes = interview.notes
    items = repository.evidence_of_interviews(session, ctx, [interview.id or 0]).get(
        interview.id or 0, []
    )
    problems = problems_repository.problems_by_title(session, ctx)
    titles = {p.id or 0: p.title for p in problems}
    covered = repository.covered_problems(session, [interview.id or 0]).get(interview.id or 0, [])
    view = transcript_view(notes, items, titles)
    participant = (
        get_row(session, Participant, ctx, interview.participant_id, include_deleted=True)
        if interview.participant_id
        else None
    )
    latest = max(items, key=lambda i: i.id or 0, default=None)
    default_problem = latest.problem_id if latest else (covered[0] if covered else None)
    query = request.query_params.get("q", "")[:200]
    return {
        "ctx": ctx,
        "nav": "interviews",
        "interview": interview,
        "participant": participant,
        "conductor": user_names(session, [interview.conducted_by]).get(
            interview.conducted_by or 0, ""
        ),
        "covered": covered,
        "titles": titles,
        "problems": problems,
        "view": view,
        "html": render_transcript(notes, view.marks, search_hits(notes, query) if query else ()),
        "query": query,
        "notes_length": len(notes),
        "default_problem": default_problem,
        "signals": SIGNAL_OPTIONS,
        "frequencies": list(Frequency),
        "errors": {},
        "values": {},
        "compare": None,
    }


@router.get("/w/{ws}/interviews/{interview_id}")
def interview_page(
    request: Request, ctx: WorkspaceDep, session: SessionDep, interview_id: Id
) -> Response:
    """The interview as a document: who and when, the transcript with every highlight marked
    in place, and the list of highlights beside it."""
    interview = get_row(session, Interview, ctx, interview_id)
    context = _page_context(request, session, ctx, interview)
    context["notice"] = _notice(request)
    return render(request, "research/interview.html", context)


def _notice(request: Request) -> str:
    """What the last change did, told once on the page it lands on."""
    params = request.query_params
    if "kept" in params:
        counts = {k: whole_number(params.get(k, "0")) or 0 for k in REANCHOR_WORDS}
        parts = [f"{n} {REANCHOR_WORDS[k]}" for k, n in counts.items() if n]
        return "Saved. " + ("Highlights: " + ", ".join(parts) + "." if parts else "")
    return ""


REANCHOR_WORDS = {
    "kept": "kept in place",
    "moved": "moved with their words",
    "changed": "found with edited words",
    "detached": "detached (their words are gone; they are listed apart)",
    "placed": "placed for the first time",
}


def _refuse(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    interview: Interview,
    *,
    message: str,
    status: int,
    values: dict[str, str],
    compare: list[CompareRow] | None = None,
) -> FormError:
    context = _page_context(request, session, ctx, interview)
    context |= {"errors": {"": message}, "values": values, "open_form": values.get("form", "")}
    context["compare"] = compare
    return FormError(render(request, "research/interview.html", context, status=status))


@router.post("/w/{ws}/interviews/{interview_id}/highlights")
def add_highlight(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id, form: FormDep
) -> Response:
    """A passage selected in the transcript becomes a highlight; back to it on the page."""
    interview = get_for_update(session, Interview, ctx, interview_id)
    values = values_of(form) | {"form": "new"}
    start, end = whole_number(values.get("start", "")), whole_number(values.get("end", ""))
    if start is not None and end is not None:
        values["quote"] = interview.notes[start:end][:500]  # shown again if refused
    with _refused_on_the_page(request, session, ctx, interview, values):
        fields = _given(values, "start", "end", "problem_id", *HIGHLIGHT_TAGS)
        payload = HighlightCreate.model_validate(fields)
        with session.begin_nested():
            item = create_highlight(session=session, ctx=ctx, interview=interview, payload=payload)
    return hx_redirect(request, f"{_page_url(ctx, interview_id)}#h-{item.id}")


HIGHLIGHT_TAGS = ("signal", "severity", "frequency")


def _given(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named form fields, None where left blank."""
    return {name: values.get(name) or None for name in names}


@contextmanager
def _refused_on_the_page(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    interview: Interview,
    values: dict[str, Any],
    stale: Callable[[], list[CompareRow]] | None = None,
) -> Iterator[None]:
    """A refused highlight form shows the interview page again, with the reason and the form;
    one saved against an older version shows, with `stale`, both versions side by side."""
    try:
        yield
    except ValidationError as exc:
        message = _first_error(validation_errors(exc))
        raise _refuse(
            request, session, ctx, interview, message=message, status=422, values=values
        ) from exc
    except AppError as exc:
        if stale is not None and exc.code == "stale_version":
            compare = stale()
            message = stale_message("this highlight")
            raise _refuse(
                request,
                session,
                ctx,
                interview,
                message=message,
                status=exc.status,
                values=values,
                compare=compare,
            ) from exc
        raise _refuse(
            request, session, ctx, interview, message=exc.message, status=exc.status, values=values
        ) from exc


def _first_error(errors: dict[str, str]) -> str:
    names = {"problem_id": "Problem", "start": "Selection", "end": "Selection"}
    field, message = next(iter(errors.items()), ("", "Something is missing."))
    return f"{names.get(field, field.capitalize())}: {message}"


def _page_url(ctx: WorkspaceContext, interview_id: int) -> str:
    return f"/w/{ctx.workspace.slug}/interviews/{interview_id}"


@router.post("/w/{ws}/interviews/{interview_id}/highlights/{item_id}")
def edit_highlight(
    request: Request,
    ctx: ContributorDep,
    session: SessionDep,
    interview_id: Id,
    item_id: Id,
    form: FormDep,
) -> Response:
    """Change a highlight's problem, signal, severity or frequency; the interview is untouched."""
    interview = get_row(session, Interview, ctx, interview_id)
    item = _highlight_of(session, ctx, interview_id, item_id)
    values = values_of(form) | {"form": f"edit-{item_id}"}
    stale = partial(_stale_highlight, session, ctx, values, item)
    with _refused_on_the_page(request, session, ctx, interview, values, stale):
        fields = _given(values, "version", "problem_id", *HIGHLIGHT_TAGS)
        payload = EvidenceUpdate.model_validate(fields)
        with session.begin_nested():
            update_evidence(
                session=session, ctx=ctx, row=item, payload=payload, current=lambda: None
            )
    return hx_redirect(request, f"{_page_url(ctx, interview_id)}#h-{item_id}")


def _stale_highlight(
    session: SessionDep, ctx: WorkspaceContext, values: dict[str, Any], item: EvidenceItem
) -> list[CompareRow]:
    """The typed highlight beside the saved one, in words; the form now carries the saved
    version, so saving it again applies it on purpose."""
    titles = {p.id: p.title for p in problems_repository.problems_by_title(session, ctx)}

    def problem(raw: Any) -> str:
        found = titles.get(int(raw)) if str(raw).isdigit() else None
        return found or ("none" if raw in (None, "") else f"problem {raw}")

    def severity(raw: Any) -> str:
        return f"{raw} of 5" if raw not in (None, "") else "none"

    shown: list[ShownField] = [
        ("problem_id", "Problem", problem),
        ("signal", "Signal", chosen_words),
        ("severity", "Severity", severity),
        ("frequency", "Frequency", chosen_words),
    ]
    saved = {key: getattr(item, key) for key in ("problem_id", "signal", "severity", "frequency")}
    values["version"] = str(item.version)
    return compare_rows(shown, values, saved)


def _highlight_of(
    session: SessionDep, ctx: WorkspaceContext, interview_id: int, item_id: int
) -> EvidenceItem:
    item = get_for_update(session, EvidenceItem, ctx, item_id)
    if item.interview_id != interview_id:
        raise NotFound(f"No highlight {item_id} in this interview.")
    return item


@router.get("/w/{ws}/interviews/{interview_id}/highlights/{item_id}/edit")
def highlight_form(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id, item_id: Id
) -> Response:
    """The edit form of one highlight: what the side list opens (htmx), or a page of its own."""
    item = get_row(session, EvidenceItem, ctx, item_id)
    if item.interview_id != interview_id:
        raise NotFound(f"No highlight {item_id} in this interview.")
    context = {
        "ctx": ctx,
        "nav": "interviews",
        "item": item,
        "problems": problems_repository.problems_by_title(session, ctx),
        "signals": SIGNAL_OPTIONS,
        "frequencies": list(Frequency),
    }
    template = (
        "research/_highlight_edit.html" if is_htmx(request) else "research/highlight_edit.html"
    )
    return render(request, template, context)


@router.post("/w/{ws}/interviews/{interview_id}/highlights/{item_id}/delete")
def delete_highlight(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id, item_id: Id
) -> Response:
    soft_delete(session, ctx, _highlight_of(session, ctx, interview_id, item_id))
    return hx_redirect(request, f"{_page_url(ctx, interview_id)}?deleted={item_id}#highlights")


@router.post("/w/{ws}/interviews/{interview_id}/highlights/{item_id}/restore")
def restore_highlight(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id, item_id: Id
) -> Response:
    item = get_row(session, EvidenceItem, ctx, item_id, include_deleted=True)
    if item.interview_id != interview_id:
        raise NotFound(f"No highlight {item_id} in this interview.")
    restore(session, ctx, item)
    return hx_redirect(request, f"{_page_url(ctx, interview_id)}#h-{item_id}")


def _edit_values(interview: Interview, covered: list[int]) -> dict[str, Any]:
    return {
        "version": str(interview.version),
        "kind": interview.kind,
        "occurred_on": interview.occurred_on.isoformat(),
        "participant_id": str(interview.participant_id or ""),
        "title": interview.title,
        "notes": interview.notes,
        "covered": [str(p) for p in covered],
    }


EXCERPT = 160  # characters of each version shown around the first difference in the notes


def notes_difference(mine: str, theirs: str) -> tuple[str, str] | None:
    """Where two versions of the notes first part: an excerpt of each from the start of that
    paragraph, or None when they are the same. Whole transcripts are too long to show twice."""
    if mine == theirs:
        return None
    at = next(
        (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
        min(len(mine), len(theirs)),
    )
    start = max(mine.rfind("\n\n", 0, at), theirs.rfind("\n\n", 0, at)) + 1
    start = max(start, at - EXCERPT // 2)

    def excerpt(text: str) -> str:
        cut = text[start : start + EXCERPT].strip()
        return ("… " if start > 0 else "") + cut + (" …" if start + EXCERPT < len(text) else "")

    return excerpt(mine), excerpt(theirs)


def stale_rows(
    session: SessionDep, ctx: WorkspaceContext, values: dict[str, Any], saved: dict[str, Any]
) -> list[CompareRow]:
    """(field, yours, theirs) for each field where the typed form and the saved row differ."""
    people = rows_by_id(
        session,
        Participant,
        ctx,
        [
            int(v)
            for v in (values.get("participant_id", ""), saved["participant_id"])
            if v.isdigit()
        ],
    )
    titles = {p.id: p.title for p in problems_repository.problems_by_title(session, ctx)}

    def person(raw: str) -> str:
        found = people.get(int(raw)) if raw.isdigit() else None
        return found.name if found else "none"

    def covered(ids: list[str]) -> str:
        return ", ".join(sorted(titles.get(int(i), f"problem {i}") for i in ids)) or "none"

    shown: list[ShownField] = [
        ("kind", "Kind", words),
        ("occurred_on", "Date", str),
        ("participant_id", "Participant", person),
        ("title", "Title", str),
        ("covered", "Problems covered", covered),
    ]
    rows = compare_rows(shown, values, saved)
    differs = notes_difference(values.get("notes", ""), saved["notes"])
    if differs:
        rows.append(("Notes (where they first differ)", *differs))
    return rows


def _edit_form(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    interview: Interview,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    compare: list[CompareRow] | None = None,
) -> Response:
    context = _form_context(
        session, ctx, values=values, highlights=[], covered=values["covered"], errors=errors
    )
    context |= {"interview": interview, "compare": compare}
    return render(request, "research/edit.html", context, status=status)


@router.get("/w/{ws}/interviews/{interview_id}/edit")
def edit_interview(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id
) -> Response:
    interview = get_row(session, Interview, ctx, interview_id)
    covered = repository.covered_problems(session, [interview_id]).get(interview_id, [])
    values = _edit_values(interview, covered)
    return _edit_form(request, session, ctx, interview, values=values, errors={})


@router.post("/w/{ws}/interviews/{interview_id}/edit")
def save_interview(
    request: Request, ctx: ContributorDep, session: SessionDep, interview_id: Id, form: FormDep
) -> Response:
    """Save the metadata and the notes against the version they were edited from; every
    highlight is found again in the new notes."""
    interview = get_for_update(session, Interview, ctx, interview_id)
    # A browser sends a textarea's line breaks as CRLF; the notes keep plain newlines.
    notes = str(form.get("notes") or "").replace("\r\n", "\n")
    values: dict[str, Any] = values_of(form) | {"notes": notes}
    values["covered"] = [str(v) for v in form.getlist("problem_ids")]
    compare: list[CompareRow] | None = None
    try:
        values["participant_id"] = picked(session, ctx, "participant_id", values)
        payload = InterviewUpdate.model_validate(
            {
                "version": values.get("version") or None,
                "kind": values.get("kind") or None,
                "occurred_on": values.get("occurred_on") or None,
                "participant_id": values.get("participant_id") or None,
                "title": values.get("title", ""),
                "notes": values["notes"],
                "problem_ids": values["covered"],
            }
        )
        with session.begin_nested():
            update_interview(
                session=session, ctx=ctx, row=interview, payload=payload, current=lambda: None
            )
    except ValidationError as exc:
        errors, status = validation_errors(exc), 422
    except Conflict as exc:
        # Keep what was typed, beside what was saved; saving again applies it on purpose.
        errors, status = {"": exc.message}, 409
        covered = repository.covered_problems(session, [interview_id]).get(interview_id, [])
        compare = stale_rows(session, ctx, values, _edit_values(interview, covered))
        values["version"] = str(interview.version)
    except AppError as exc:
        errors, status = app_errors(exc), exc.status
    else:
        report = session.info.get(REANCHORED, {}).get(interview_id)
        counts = (
            "?" + "&".join(f"{k}={len(getattr(report, k))}" for k in REANCHOR_WORDS)
            if report
            else ""
        )
        return hx_redirect(request, _page_url(ctx, interview_id) + counts)
    raise FormError(
        _edit_form(
            request,
            session,
            ctx,
            interview,
            values=values,
            errors=errors,
            status=status,
            compare=compare,
        )
    )

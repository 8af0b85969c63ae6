"""People pages: the participant directory, a participant's profile, the type-ahead picker's
options, and merging two participants (preview, confirm, undo)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.dataio.participants import erase_participant
from app.db import SessionDep
from app.errors import AppError, Conflict, FormError, InvalidInput
from app.kit.merging import merge_event
from app.kit.rows import get_for_update, get_row
from app.research import people, repository
from app.research.models import Participant, ParticipantUpdate
from app.research.service import update_participant
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
from app.workspaces.deps import AdminDep, ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()


def _filters(request: Request) -> people.DirectoryFilters:
    params = request.query_params
    sort = params.get("sort", "name")
    return people.DirectoryFilters(
        q=params.get("q", "")[:200] or None,
        organisation=params.get("organisation", "")[:200] or None,
        segment_id=whole_number(params.get("segment_id", ""), low=1),
        sort=people.PeopleSort(sort)
        if sort in {s.value for s in people.PeopleSort}
        else people.PeopleSort.name,
    )


@router.get("/w/{ws}/participants")
def directory(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    """Everyone the team has heard from: search, filter, sort by when they were last seen."""
    filters = _filters(request)
    offset = offset_param(request)
    page = people.directory(session, ctx, filters, offset=offset, limit=PAGE_SIZE)
    context = {
        "ctx": ctx,
        "nav": "people",
        "rows": page.items,
        "pager": Pager(total=page.total, offset=offset),
        "filters": filters,
        "filtered": bool(filters.q or filters.organisation or filters.segment_id),
        "segments": repository.segments_by_name(session, ctx),
        "duplicates": people.suggestions(session, ctx),
    }
    return render(request, "research/people.html", context)


@router.get("/w/{ws}/participant-options")
def picker_options(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    """The picker's listbox for what was typed (htmx fragment)."""
    params = request.query_params
    listbox = params.get("listbox", "participant_id-options")
    text = params.get(params.get("field", "") or "q", "") or params.get("q", "")
    context = {
        "ctx": ctx,
        "matches": people.matches(session, ctx, text),
        "listbox": "".join(c for c in listbox if c.isalnum() or c in "-_")[:60],
        "typed": text.strip(),
    }
    return render(request, "research/_participant_options.html", context)


def _profile_context(
    session: SessionDep, ctx: WorkspaceContext, participant: Participant
) -> dict[str, Any]:
    return {
        "ctx": ctx,
        "nav": "people",
        "person": people.profile(session, ctx, participant),
        "row": participant,
    }


@router.get("/w/{ws}/participants/{participant_id}")
def profile(
    request: Request, ctx: WorkspaceDep, session: SessionDep, participant_id: Id
) -> Response:
    """One participant: who they are, their interviews and what they said, by problem."""
    participant = get_row(session, Participant, ctx, participant_id, include_deleted=True)
    context = _profile_context(session, ctx, participant)
    merged = whole_number(request.query_params.get("merged", ""), low=1)
    context["merged"] = merged
    context["notice"] = {
        "saved": "Saved.",
        "erased": "Their personal data is erased; their quotes are kept, unattributed.",
        "restored": "The merge is undone: their interviews and evidence are back.",
    }.get(request.query_params.get("done", ""), "")
    return render(request, "research/profile.html", context)


def _edit_page(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    participant: Participant,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "people",
        "row": participant,
        "values": values,
        "errors": errors,
        "segments": repository.segments_by_name(session, ctx),
    }
    return render(request, "research/participant_edit.html", context, status=status)


@router.get("/w/{ws}/participants/{participant_id}/edit")
def edit(
    request: Request, ctx: ContributorDep, session: SessionDep, participant_id: Id
) -> Response:
    participant = get_row(session, Participant, ctx, participant_id)
    values = participant.model_dump(mode="json") | {"segment_id": str(participant.segment_id or "")}
    return _edit_page(request, session, ctx, participant, values, {})


@router.post("/w/{ws}/participants/{participant_id}/edit")
def save(
    request: Request, ctx: ContributorDep, session: SessionDep, participant_id: Id, form: FormDep
) -> Response:
    participant = get_for_update(session, Participant, ctx, participant_id)
    values = values_of(form)
    fields = ("name", "organisation", "title", "contact")
    try:
        payload = ParticipantUpdate.model_validate(
            {f: values.get(f, "") for f in fields}
            | {
                "version": values.get("version") or None,
                "segment_id": values.get("segment_id") or None,
            }
        )
        update_participant(
            session=session, ctx=ctx, row=participant, payload=payload, current=lambda: None
        )
    except ValidationError as exc:
        errors, status = validation_errors(exc), 422
    except Conflict as exc:
        errors, status = {"": exc.message}, 409
        values["version"] = str(participant.version)
    except AppError as exc:
        errors, status = app_errors(exc), exc.status
    else:
        return hx_redirect(request, _profile_url(ctx, participant_id) + "?done=saved")
    raise FormError(_edit_page(request, session, ctx, participant, values, errors, status))


def _profile_url(ctx: WorkspaceContext, participant_id: int) -> str:
    return f"/w/{ctx.workspace.slug}/participants/{participant_id}"


@router.post("/w/{ws}/participants/{participant_id}/erase")
def erase(request: Request, ctx: AdminDep, session: SessionDep, participant_id: Id) -> Response:
    """Erase their personal data (name, organisation, contact); their quotes stay."""
    participant = get_row(session, Participant, ctx, participant_id, include_deleted=True)
    erase_participant(session=session, ctx=ctx, participant=participant)
    return hx_redirect(request, _profile_url(ctx, participant_id) + "?done=erased")


# ---- merging ------------------------------------------------------------------------------


@router.get("/w/{ws}/participants/{participant_id}/merge")
def merge_preview(
    request: Request, ctx: ContributorDep, session: SessionDep, participant_id: Id
) -> Response:
    """What a merge would move, and the button that does it."""
    try:
        absorb = people.picked(session, ctx, "absorb_id", request.query_params)
        message = "Choose the participant to merge into this one."
    except InvalidInput as exc:
        absorb, message = "", exc.message
    absorb_id = whole_number(absorb, low=1)
    if absorb_id is None:
        raise FormError(
            render(
                request,
                "research/profile.html",
                _profile_context(session, ctx, get_row(session, Participant, ctx, participant_id))
                | {"merge_error": message, "typed": request.query_params.get("absorb_id_q")},
                status=422,
            )
        )
    preview = people.preview_merge(session, ctx, keep_id=participant_id, absorb_id=absorb_id)
    context = {"ctx": ctx, "nav": "people", "preview": preview, "kind": "participant"}
    return render(request, "research/merge.html", context)


@router.post("/w/{ws}/participants/{participant_id}/merge")
def merge(
    request: Request, ctx: ContributorDep, session: SessionDep, participant_id: Id, form: FormDep
) -> Response:
    absorb_id = whole_number(str(form.get("absorb_id", "")), low=1) or 0
    report = people.merge(session, ctx, keep_id=participant_id, absorb_id=absorb_id)
    return hx_redirect(request, f"{_profile_url(ctx, participant_id)}?merged={report.merge_id}")


@router.post("/w/{ws}/participant-merges/{merge_id}/undo")
def undo_merge(
    request: Request, ctx: ContributorDep, session: SessionDep, merge_id: Id
) -> Response:
    restored = people.undo_merge(session, ctx, merge_event(session, ctx, Participant, merge_id))
    return hx_redirect(request, _profile_url(ctx, restored.id or 0) + "?done=restored")

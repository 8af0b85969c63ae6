"""JSON routes of the research domain."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlmodel import col

from app.db import SessionDep
from app.enums import InterviewKind, Role
from app.errors import error_response
from app.kit.collections import CollectionSpec, collection_router
from app.kit.duplicates import Suggestion
from app.kit.merging import merge_event
from app.kit.rows import PageDep, get_for_update, get_row
from app.research import bulk, people, repository, service
from app.research.deps import uploaded_transcript
from app.research.models import (
    EvidenceCreate,
    EvidenceItem,
    EvidenceRead,
    EvidenceUpdate,
    HighlightCreate,
    Interview,
    InterviewCreate,
    InterviewRead,
    InterviewUpdate,
    Participant,
    ParticipantCreate,
    ParticipantRead,
    ParticipantUpdate,
    Segment,
    SegmentCreate,
    SegmentRead,
    SegmentUpdate,
)
from app.validation import Id, Version
from app.workspaces.deps import WORKSPACE_ACCESS, ContributorDep, WorkspaceDep

segments = CollectionSpec(
    path="segments",
    model=Segment,
    read_schema=SegmentRead,
    create_schema=SegmentCreate,
    update_schema=SegmentUpdate,
    create=service.create_segment,
    write_role=Role.admin,
    order_by=lambda: (col(Segment.name), col(Segment.id)),
)

participants = CollectionSpec(
    path="participants",
    model=Participant,
    read_schema=ParticipantRead,
    create_schema=ParticipantCreate,
    update_schema=ParticipantUpdate,
    create=service.create_participant,
    update=service.update_participant,
    filters=repository.ParticipantFilters,
    apply_filters=repository.filter_participants,
    order_by=lambda: (col(Participant.name), col(Participant.id)),
)

interviews = CollectionSpec(
    path="interviews",
    model=Interview,
    read_schema=InterviewRead,
    create_schema=InterviewCreate,
    update_schema=InterviewUpdate,
    create=service.create_interview,
    update=service.update_interview,
    to_reads=service.interview_reads,
    read_one=service.interview_read,
    read_route=False,  # served below, with or without the notes
    filters=repository.InterviewFilters,
    apply_filters=repository.filter_interviews,
    order_by=lambda: (col(Interview.occurred_on).desc(), col(Interview.id).desc()),
)

evidence = CollectionSpec(
    path="evidence",
    model=EvidenceItem,
    read_schema=EvidenceRead,
    create_schema=EvidenceCreate,
    update_schema=EvidenceUpdate,
    create=service.create_evidence,
    update=service.update_evidence,
    filters=repository.EvidenceFilters,
    apply_filters=repository.filter_evidence,
    order_by=lambda: (col(EvidenceItem.id).desc(),),
    summary_name="evidence item",
)

# ---- transcript files ------------------------------------------------------------------------

transcripts = APIRouter(prefix="/workspaces/{ws}/interviews", tags=["interviews"])
TranscriptFile = Annotated[
    UploadFile,
    File(
        description="The transcript: .txt, .md, .vtt, .srt, .docx or .html (UTF-8, UTF-16 or "
        "Windows-1252 text). Captions keep their timestamps and speakers."
    ),
]
TRANSCRIPT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: error_response("The file is larger than the upload limit, or its text than the notes."),
    415: error_response("Not a file of an accepted type, or not text; `details` lists the types."),
    422: error_response("Invalid fields, or a file of the right type that is broken."),
}


@transcripts.post(
    "/transcript",
    response_model=InterviewRead,
    status_code=201,
    summary="Create an interview from a transcript file",
    description="The file's text becomes the interview's notes, in the transcript format: one "
    "paragraph per speaker turn, `[hh:mm:ss] Name: ...`.",
    responses=TRANSCRIPT_ERRORS,
)
def create_interview_from_transcript(
    request: Request,
    ctx: ContributorDep,
    session: SessionDep,
    file: TranscriptFile,
    occurred_on: Annotated[date, Form()],
    kind: Annotated[InterviewKind, Form()] = InterviewKind.interview,
    participant_id: Annotated[Id | None, Form()] = None,
    conducted_by: Annotated[Id | None, Form(description="Defaults to you.")] = None,
    title: Annotated[str, Form(max_length=200)] = "",
    problem_ids: Annotated[list[Id], Form(description="Problems it covered.")] = [],  # noqa: B006
) -> Any:
    transcript = uploaded_transcript(request, file)
    payload = InterviewCreate(
        kind=kind,
        occurred_on=occurred_on,
        participant_id=participant_id,
        conducted_by=conducted_by,
        title=title,
        notes=transcript.text,
        problem_ids=problem_ids,
    )
    row = service.create_interview(session=session, ctx=ctx, payload=payload)
    return service.interview_reads(session, ctx, [row])[0]


@transcripts.put(
    "/{row_id}/transcript",
    response_model=InterviewRead,
    summary="Replace an interview's notes with a transcript file",
    responses=TRANSCRIPT_ERRORS
    | {409: error_response("Stale version; `details.current` holds the row as it is now.")},
)
def replace_transcript(
    request: Request,
    ctx: ContributorDep,
    session: SessionDep,
    row_id: Id,
    file: TranscriptFile,
    version: Annotated[Version, Form(description="The version you last read.")],
) -> Any:
    row = get_for_update(session, Interview, ctx, row_id)
    transcript = uploaded_transcript(request, file)
    current = lambda: service.interview_reads(session, ctx, [row])[0].model_dump(mode="json")  # noqa: E731
    payload = InterviewUpdate(version=version, notes=transcript.text)
    row = service.update_interview(
        session=session, ctx=ctx, row=row, payload=payload, current=current
    )
    return service.interview_reads(session, ctx, [row])[0]


@transcripts.get("/{row_id}", response_model=InterviewRead, summary="Get an interview")
def read_interview(
    ctx: WorkspaceDep,
    session: SessionDep,
    row_id: Id,
    notes: Annotated[
        bool,
        Query(description="Send the transcript (the default); false leaves it out (null)."),
    ] = True,
) -> Any:
    row = get_row(session, Interview, ctx, row_id, include_deleted=True)
    return service.interview_reads(session, ctx, [row], notes=notes)[0]


@transcripts.post(
    "/{row_id}/highlights",
    response_model=EvidenceRead,
    status_code=201,
    summary="Highlight a passage of an interview's notes",
)
def create_highlight(
    ctx: ContributorDep, session: SessionDep, row_id: Id, payload: HighlightCreate
) -> Any:
    """The quote is the passage `start..end` of the notes (Python string offsets); 422 when
    the offsets fall outside the notes or pick only blanks."""
    interview = get_for_update(session, Interview, ctx, row_id)
    item = service.create_highlight(session=session, ctx=ctx, interview=interview, payload=payload)
    return EvidenceRead.model_validate(item, from_attributes=True)


# ---- bulk edits of evidence -------------------------------------------------------------------

bulk_router = APIRouter(prefix="/workspaces/{ws}/evidence/bulk", tags=["evidence"])


@bulk_router.post(
    "",
    response_model=bulk.BulkResult,
    summary="Move, re-tag or delete many evidence items at once",
    responses={422: error_response("Invalid change, unknown ids, or a stance the signal denies.")},
)
def bulk_edit(ctx: ContributorDep, session: SessionDep, payload: bulk.BulkEdit) -> Any:
    """Select items by `ids` or by `filter`; apply `change` to all of them as one audited
    action. Items edited after `seen_at` are left alone and listed in `skipped`."""
    return bulk.apply(session=session, ctx=ctx, payload=payload)


@bulk_router.post(
    "/{event_id}/undo",
    response_model=bulk.BulkResult,
    summary="Undo a bulk edit of evidence",
    responses={
        404: error_response("No such bulk edit in this workspace."),
        409: error_response("Undone already."),
    },
)
def bulk_undo(ctx: ContributorDep, session: SessionDep, event_id: Id) -> Any:
    """Put back the before values, the deleted items and the moved ones; items edited since
    the bulk edit are left as they are and listed in `skipped`."""
    return bulk.undo(session=session, ctx=ctx, event_id=event_id)


routers = [
    *(collection_router(spec, WORKSPACE_ACCESS) for spec in (segments, participants, interviews)),
    transcripts,
    bulk_router,
    collection_router(evidence, WORKSPACE_ACCESS),
]

# ---- people: the directory, likely duplicates, merging ----------------------------------------

people_router = APIRouter(prefix="/workspaces/{ws}", tags=["participants"])


class MergeRequest(BaseModel):
    absorb_id: Id = Field(description="The participant merged into this one, then deleted.")


@people_router.get(
    "/participant-directory",
    response_model=people.Directory,
    summary="The participant directory: search, filter and sort by last seen",
)
def participant_directory(
    ctx: WorkspaceDep,
    session: SessionDep,
    page: PageDep,
    filters: Annotated[people.DirectoryFilters, Query()],
) -> Any:
    return people.directory(session, ctx, filters, offset=page.offset, limit=page.limit)


@people_router.get(
    "/participant-duplicates",
    response_model=list[Suggestion],
    summary="Participants whose names look like the same person's",
)
def participant_duplicates(ctx: WorkspaceDep, session: SessionDep) -> Any:
    return people.suggestions(session, ctx)


@people_router.get(
    "/participants/{row_id}/merge-preview",
    response_model=people.MergePreview,
    summary="What merging another participant into this one would move",
)
def participant_merge_preview(
    ctx: WorkspaceDep, session: SessionDep, row_id: Id, absorb_id: Annotated[Id, Query()]
) -> Any:
    return people.preview_merge(session, ctx, keep_id=row_id, absorb_id=absorb_id)


@people_router.post(
    "/participants/{row_id}/merge",
    response_model=people.MergeReport,
    summary="Merge another participant into this one (undoable)",
    description="Their interviews and evidence move here; the other participant is "
    "soft-deleted. `POST /participant-merges/{merge_id}/undo` moves them back.",
)
def merge_participants(
    ctx: ContributorDep, session: SessionDep, row_id: Id, payload: MergeRequest
) -> Any:
    return people.merge(session, ctx, keep_id=row_id, absorb_id=payload.absorb_id)


@people_router.post(
    "/participant-merges/{merge_id}/undo",
    response_model=ParticipantRead,
    summary="Undo a merge of participants: the absorbed one comes back with its rows",
)
def undo_participant_merge(ctx: ContributorDep, session: SessionDep, merge_id: Id) -> Any:
    event = merge_event(session, ctx, Participant, merge_id)
    return people.undo_merge(session, ctx, event)


routers.append(people_router)

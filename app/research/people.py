"""People: the participant directory, a participant's profile, the type-ahead picker's
matches, and merging two participants who are the same person."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.db import touch_problems
from app.errors import InvalidInput
from app.kit import merging
from app.kit.audit import AuditEvent
from app.kit.duplicates import Suggestion
from app.kit.merging import Link, duplicate_suggestions
from app.kit.rows import get_for_update, get_row, scoped
from app.problems.models import Problem
from app.research.models import (
    EvidenceItem,
    EvidenceRead,
    Interview,
    InterviewProblem,
    Participant,
    ParticipantRead,
    Segment,
)
from app.validation import Id, whole_number
from app.workspaces.deps import WorkspaceContext

PICKER_MATCHES = 12


class PeopleSort(StrEnum):
    name = "name"
    last_seen = "last_seen"


class DirectoryFilters(BaseModel):
    q: str | None = Field(default=None, max_length=200, description="Part of the name.")
    segment_id: Id | None = None
    organisation: str | None = Field(
        default=None, max_length=200, description="Part of the organisation's name."
    )
    sort: PeopleSort = Field(
        default=PeopleSort.name, description="By name, or the latest interview first."
    )


class DirectoryRow(BaseModel):
    participant: ParticipantRead
    segment: str | None
    interviews: int
    last_seen: date | None = Field(description="Date of their latest interview.")


class Directory(BaseModel):
    items: list[DirectoryRow]
    total: int


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory(
    session: Session, ctx: WorkspaceContext, f: DirectoryFilters, *, offset: int, limit: int
) -> Directory:
    """One page of the workspace's live participants with when they were last seen."""
    seen = (
        select(
            col(Interview.participant_id).label("pid"),
            func.max(Interview.occurred_on).label("last_seen"),
            func.count().label("interviews"),
        )
        .where(Interview.workspace_id == ctx.id, col(Interview.deleted_at).is_(None))
        .group_by(col(Interview.participant_id))
        .subquery()
    )
    where: list[Any] = [Participant.workspace_id == ctx.id, col(Participant.deleted_at).is_(None)]
    if f.q and f.q.strip():
        where.append(col(Participant.name).ilike(_like(f.q), escape="\\"))
    if f.organisation and f.organisation.strip():
        where.append(col(Participant.organisation).ilike(_like(f.organisation), escape="\\"))
    if f.segment_id is not None:
        where.append(Participant.segment_id == f.segment_id)
    total = session.exec(select(func.count()).select_from(Participant).where(*where)).one()
    order = [func.lower(col(Participant.name)), col(Participant.id)]
    if f.sort == PeopleSort.last_seen:
        order = [seen.c.last_seen.is_(None), seen.c.last_seen.desc(), *order]
    rows = session.exec(
        select(Participant, Segment, seen.c.last_seen, seen.c.interviews)
        .outerjoin(seen, seen.c.pid == col(Participant.id))
        .outerjoin(Segment, col(Segment.id) == col(Participant.segment_id))
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        DirectoryRow(
            participant=ParticipantRead.model_validate(person, from_attributes=True),
            segment=segment.name if segment else None,
            interviews=int(count or 0),
            last_seen=last_seen,
        )
        for person, segment, last_seen, count in rows
    ]
    return Directory(items=items, total=int(total))


def matches(session: Session, ctx: WorkspaceContext, text: str) -> list[Participant]:
    """The participants the picker offers for what was typed: names starting with it first."""
    text = text.strip()[:200]
    stmt = scoped(Participant, ctx)
    if text:
        stmt = stmt.where(
            or_(
                col(Participant.name).ilike(_like(text), escape="\\"),
                col(Participant.organisation).ilike(_like(text), escape="\\"),
            )
        )
    starts = col(Participant.name).ilike(_like(text).removeprefix("%"), escape="\\")
    stmt = stmt.order_by(starts.desc(), func.lower(col(Participant.name)), col(Participant.id))
    return list(session.exec(stmt.limit(PICKER_MATCHES)).all())


def live(session: Session, ctx: WorkspaceContext, participant_id: int | None) -> Participant | None:
    """The workspace's participant of that id, unless deleted (or no id: None)."""
    if participant_id is None:
        return None
    return session.exec(scoped(Participant, ctx).where(Participant.id == participant_id)).first()


def picked(session: Session, ctx: WorkspaceContext, field: str, values: Mapping[str, Any]) -> str:
    """The participant id a type-ahead picker sends, also when scripts are off.

    A picker sends the chosen id (`field`) and the text in its box (`field`_q). Without
    scripts nobody fills the id, so the text decides: empty, no one; the chosen participant's
    name, them; else the one participant whose name is that text, or the only one it matches.
    Several or none: an error on the field that says what to type.
    """
    chosen = str(values.get(field) or "").strip()
    if f"{field}_q" not in values:
        return chosen
    typed = " ".join(str(values[f"{field}_q"]).split())
    if not typed:
        return ""
    person = live(session, ctx, whole_number(chosen, low=1))
    same = typed.casefold()
    if person is not None and " ".join(person.name.split()).casefold() == same:
        return chosen
    found = matches(session, ctx, typed)
    exact = [p for p in found if " ".join(p.name.split()).casefold() == same]
    if len(exact or found) == 1:
        return str((exact or found)[0].id)
    where = [{"field": field}]
    if not found:
        raise InvalidInput(
            f"No participant matches “{typed}”. Check the name, or leave it empty.", details=where
        )
    names = ", ".join(p.name for p in found[:5]) + (", …" if len(found) > 5 else "")
    raise InvalidInput(
        f"{len(found)}{'+' if len(found) == PICKER_MATCHES else ''} participants match"
        f" “{typed}” ({names}). Type the whole name.",
        details=where,
    )


class Profile(BaseModel):
    participant: ParticipantRead
    segment: str | None
    interviews: list[Interview]
    evidence: dict[int, list[EvidenceRead]] = Field(description="Live evidence by problem id.")
    problems: dict[int, str]


def profile(session: Session, ctx: WorkspaceContext, participant: Participant) -> Profile:
    """A participant with their interviews (newest first) and their evidence by problem."""
    segment = (
        session.get(Segment, participant.segment_id) if participant.segment_id is not None else None
    )
    interviews = session.exec(
        scoped(Interview, ctx)
        .where(Interview.participant_id == participant.id)
        .order_by(col(Interview.occurred_on).desc(), col(Interview.id).desc())
    ).all()
    items = session.exec(
        scoped(EvidenceItem, ctx)
        .where(EvidenceItem.participant_id == participant.id)
        .order_by(col(EvidenceItem.id))
    ).all()
    evidence: dict[int, list[EvidenceRead]] = defaultdict(list)
    for item in items:
        evidence[item.problem_id].append(EvidenceRead.model_validate(item, from_attributes=True))
    problems = {
        p.id or 0: p.title
        for p in session.exec(
            scoped(Problem, ctx, include_deleted=True).where(col(Problem.id).in_(evidence))
        ).all()
    }
    ordered = dict(sorted(evidence.items(), key=lambda kv: problems.get(kv[0], "").casefold()))
    return Profile(
        participant=ParticipantRead.model_validate(participant, from_attributes=True),
        segment=segment.name if segment and segment.workspace_id == ctx.id else None,
        interviews=list(interviews),
        evidence=ordered,
        problems=problems,
    )


# ---- duplicates and merging ------------------------------------------------------------------

LINKS = (
    Link("interviews", Interview.__table__, "participant_id"),  # type: ignore[attr-defined]
    Link("evidence items", EvidenceItem.__table__, "participant_id"),  # type: ignore[attr-defined]
)


class MergePreview(BaseModel):
    keep: ParticipantRead
    absorb: ParticipantRead
    moves: dict[str, int] = Field(description="How many rows of each kind move to `keep`.")


class MergeReport(MergePreview):
    merge_id: int = Field(description="The merge's audit event: undo it with this id.")


def suggestions(session: Session, ctx: WorkspaceContext) -> list[Suggestion]:
    """Participants whose names look like the same person's."""
    return duplicate_suggestions(session, Participant, Participant.name, workspace_id=ctx.id)


def _pair(
    session: Session, ctx: WorkspaceContext, keep_id: int, absorb_id: int
) -> tuple[Participant, Participant]:
    return get_row(session, Participant, ctx, keep_id), get_row(
        session, Participant, ctx, absorb_id
    )


def preview_merge(
    session: Session, ctx: WorkspaceContext, *, keep_id: int, absorb_id: int
) -> MergePreview:
    """What merging `absorb_id` into `keep_id` would move."""
    keep, absorb = _pair(session, ctx, keep_id, absorb_id)
    return MergePreview(
        keep=ParticipantRead.model_validate(keep, from_attributes=True),
        absorb=ParticipantRead.model_validate(absorb, from_attributes=True),
        moves=merging.counts(session, LINKS, absorb_id),
    )


def _problems_of(session: Session, participant_ids: list[int]) -> set[int]:
    """Problems whose card counts these participants: their evidence's and their interviews'."""
    of_evidence = select(EvidenceItem.problem_id).where(
        col(EvidenceItem.participant_id).in_(participant_ids)
    )
    of_interviews = (
        select(InterviewProblem.problem_id)
        .join(Interview, col(Interview.id) == col(InterviewProblem.interview_id))
        .where(col(Interview.participant_id).in_(participant_ids))
    )
    return set(session.exec(of_evidence).all()) | set(session.exec(of_interviews).all())


def merge(session: Session, ctx: WorkspaceContext, *, keep_id: int, absorb_id: int) -> MergeReport:
    """Merge `absorb_id` into `keep_id`: their interviews and evidence move, they are
    soft-deleted, and the scorecards that counted either are refreshed at commit."""
    # Locked (PostgreSQL) in id order, so two merges of the same pair cannot cross.
    for row_id in sorted((keep_id, absorb_id)):
        get_for_update(session, Participant, ctx, row_id)
    preview = preview_merge(session, ctx, keep_id=keep_id, absorb_id=absorb_id)
    keep, absorb = _pair(session, ctx, keep_id, absorb_id)
    touch_problems(session, _problems_of(session, [keep_id, absorb_id]))
    event = merging.merge(session, ctx, LINKS, keep=keep, absorb=absorb)
    return MergeReport(**preview.model_dump(), merge_id=event.id or 0)


def undo_merge(session: Session, ctx: WorkspaceContext, event: AuditEvent) -> Participant:
    """Move back what a merge moved and restore the absorbed participant."""
    kept, absorbed = merging.undo(session, ctx, Participant, LINKS, event)
    touch_problems(session, _problems_of(session, [kept.id or 0, absorbed.id or 0]))
    assert isinstance(absorbed, Participant)
    return absorbed

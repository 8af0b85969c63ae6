"""Queries of the research domain, always scoped by workspace."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy.orm import QueryableAttribute, undefer
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from app.enums import InterviewKind, Signal, Stance
from app.kit.rows import Page, paginate, scoped, where_equal
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.validation import Id
from app.workspaces.deps import WorkspaceContext


class InterviewFilters(BaseModel):
    participant_id: Id | None = None
    kind: InterviewKind | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    problem_id: Id | None = None


class EvidenceFilters(BaseModel):
    problem_id: Id | None = None
    interview_id: Id | None = None
    participant_id: Id | None = None
    stance: Stance | None = None
    signal: Signal | None = None


class ParticipantFilters(BaseModel):
    segment_id: Id | None = None
    q: str | None = None


def filter_interviews(
    stmt: SelectOfScalar[Interview], f: InterviewFilters, ctx: WorkspaceContext
) -> SelectOfScalar[Interview]:
    if f.participant_id is not None:
        stmt = stmt.where(Interview.participant_id == f.participant_id)
    if f.kind is not None:
        stmt = stmt.where(Interview.kind == f.kind)
    if f.occurred_from is not None:
        stmt = stmt.where(Interview.occurred_on >= f.occurred_from)
    if f.occurred_to is not None:
        stmt = stmt.where(Interview.occurred_on <= f.occurred_to)
    if f.problem_id is not None:
        covered = select(InterviewProblem.interview_id).where(
            InterviewProblem.problem_id == f.problem_id
        )
        stmt = stmt.where(col(Interview.id).in_(covered))
    return stmt


def filter_evidence(
    stmt: SelectOfScalar[EvidenceItem], f: EvidenceFilters, ctx: WorkspaceContext
) -> SelectOfScalar[EvidenceItem]:
    names = ("problem_id", "interview_id", "participant_id", "stance", "signal")
    return where_equal(stmt, EvidenceItem, f, names)


def filter_participants(
    stmt: SelectOfScalar, f: ParticipantFilters, ctx: WorkspaceContext
) -> SelectOfScalar:

    if f.segment_id is not None:
        stmt = stmt.where(Participant.segment_id == f.segment_id)
    if f.q:
        stmt = stmt.where(col(Participant.name).ilike(f"%{f.q.strip()}%"))
    return stmt


def covered_problems(session: Session, interview_ids: Sequence[int]) -> dict[int, list[int]]:
    """Problem ids covered by each interview."""
    result: dict[int, list[int]] = defaultdict(list)
    if not interview_ids:
        return result
    rows = session.exec(
        select(InterviewProblem).where(col(InterviewProblem.interview_id).in_(interview_ids))
    ).all()
    for link in sorted(rows, key=lambda r: (r.interview_id, r.problem_id)):
        result[link.interview_id].append(link.problem_id)
    return result


def evidence_of_interviews(
    session: Session, ctx: WorkspaceContext, interview_ids: Sequence[int]
) -> dict[int, list[EvidenceItem]]:
    """Live evidence items of each interview."""
    result: dict[int, list[EvidenceItem]] = defaultdict(list)
    if not interview_ids:
        return result
    rows = session.exec(
        select(EvidenceItem)
        .where(
            EvidenceItem.workspace_id == ctx.id,
            col(EvidenceItem.interview_id).in_(interview_ids),
            col(EvidenceItem.deleted_at).is_(None),
        )
        .order_by(col(EvidenceItem.id))
    ).all()
    for item in rows:
        assert item.interview_id is not None
        result[item.interview_id].append(item)
    return result


def evidence_page_of_problem(
    session: Session, ctx: WorkspaceContext, problem_id: int, *, offset: int, limit: int
) -> tuple[list[EvidenceItem], dict[int, Interview], int]:
    """One page of a problem's live evidence, oldest first, with the interviews it came from
    and the total, in one query."""
    live = (
        EvidenceItem.workspace_id == ctx.id,
        EvidenceItem.problem_id == problem_id,
        col(EvidenceItem.deleted_at).is_(None),
    )
    rows = session.exec(
        select(EvidenceItem, Interview, func.count().over())
        .outerjoin(Interview, col(Interview.id) == col(EvidenceItem.interview_id))
        .where(*live)
        .order_by(col(EvidenceItem.id))
        .offset(offset)
        .limit(limit)
    ).all()
    if not rows:
        total = session.exec(select(func.count()).where(*live)).one() if offset else 0
        return [], {}, int(total)
    interviews = {i.id or 0: i for _, i, _ in rows if i is not None}
    return [item for item, _, _ in rows], interviews, int(rows[0][2])


def people_with_segments(
    session: Session, ctx: WorkspaceContext, participant_ids: set[int]
) -> tuple[dict[int, Participant], dict[int, str]]:
    """These participants, and the names of their segments, in one query."""
    if not participant_ids:
        return {}, {}
    rows = session.exec(
        select(Participant, Segment)
        .outerjoin(Segment, col(Segment.id) == col(Participant.segment_id))
        .where(Participant.workspace_id == ctx.id, col(Participant.id).in_(participant_ids))
    ).all()
    people = {person.id or 0: person for person, _ in rows}
    segments = {segment.id or 0: segment.name for _, segment in rows if segment is not None}
    return people, segments


def participants_by_name(session: Session, ctx: WorkspaceContext) -> list[Participant]:
    """The workspace's live participants, by name."""
    return list(
        session.exec(
            scoped(Participant, ctx).order_by(col(Participant.name), col(Participant.id))
        ).all()
    )


def segments_by_name(session: Session, ctx: WorkspaceContext) -> list[Segment]:
    """The workspace's live segments, by name."""
    return list(session.exec(scoped(Segment, ctx).order_by(col(Segment.name))).all())


def interviews_page(
    session: Session, ctx: WorkspaceContext, *, offset: int, limit: int
) -> tuple[list[Interview], int]:
    """One page of the live interviews, newest first, and their total."""
    return paginate(
        session,
        scoped(Interview, ctx),
        Page(limit=limit, offset=offset),
        order_by=(col(Interview.occurred_on).desc(), col(Interview.id).desc()),
    )


def segments_page(
    session: Session, ctx: WorkspaceContext, *, offset: int, limit: int
) -> tuple[list[Segment], int]:
    """One page of the live segments, by name, and their total."""
    return paginate(
        session,
        scoped(Segment, ctx),
        Page(limit=limit, offset=offset),
        order_by=(col(Segment.name), col(Segment.id)),
    )


def with_notes() -> Any:
    """A query option loading interviews' notes with the rows (they are deferred otherwise)."""
    return undefer(cast("QueryableAttribute[Any]", Interview.notes))

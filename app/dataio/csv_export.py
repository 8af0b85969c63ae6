"""CSV exports of a workspace's live rows: problems with their scores, interviews, evidence."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from app.auth.models import User
from app.problems.models import Problem, ProblemTag
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.research.repository import with_notes
from app.scorecards.models import ProblemScorecard
from app.scorecards.service import store_missing_cards
from app.workspaces.deps import WorkspaceContext

CSV_TABLES = ("problems", "interviews", "evidence")


def _cell(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _names(session: Session, model: Any, ids: set[int | None]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    return {
        row.id: row.name for row in session.exec(select(model).where(col(model.id).in_(ids))).all()
    }


def problems_csv(*, session: Session, ctx: WorkspaceContext) -> str:
    """Every live problem with its current scores, recommendation and flags."""
    problems = session.exec(
        select(Problem)
        .where(Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None))
        .order_by(col(Problem.id))
    ).all()
    ids = [p.id or 0 for p in problems]
    store_missing_cards(session=session, workspace=ctx.workspace, problem_ids=ids)
    cards = {
        c.problem_id: c
        for c in session.exec(
            select(ProblemScorecard).where(col(ProblemScorecard.problem_id).in_(ids))
        ).all()
    }
    tags: dict[int, list[str]] = {}
    for tag in session.exec(select(ProblemTag).where(col(ProblemTag.problem_id).in_(ids))).all():
        tags.setdefault(tag.problem_id, []).append(tag.tag)
    owners = _names(session, User, {p.owner_id for p in problems})
    header = [
        "id", "title", "statement", "status", "owner", "tags", "pain", "reach", "reach_upper",
        "feasibility", "confidence", "recommendation", "participants", "evidence_items", "flags",
        "updated_at",
    ]  # fmt: skip
    rows = []
    for p in problems:
        c = cards.get(p.id or 0)
        rows.append(
            [
                p.id,
                p.title,
                p.statement,
                p.status,
                owners.get(p.owner_id or 0, ""),
                "; ".join(sorted(tags.get(p.id or 0, []))),
                c.pain if c else None,
                c.reach if c else None,
                c.reach_upper if c else None,
                c.feasibility if c else None,
                c.confidence if c else None,
                c.recommendation if c else None,
                c.participants if c else None,
                c.evidence_items if c else None,
                "; ".join(c.flags) if c else None,
                p.updated_at.isoformat(),
            ]
        )
    return _csv(header, rows)


def interviews_csv(*, session: Session, ctx: WorkspaceContext) -> str:
    """Every live interview with its participant, segment, problems covered and notes."""
    interviews = session.exec(
        select(Interview)
        .options(with_notes())  # the notes go out too, in the same query
        .where(Interview.workspace_id == ctx.id, col(Interview.deleted_at).is_(None))
        .order_by(col(Interview.occurred_on), col(Interview.id))
    ).all()
    participants = {
        p.id: p
        for p in session.exec(select(Participant).where(Participant.workspace_id == ctx.id)).all()
    }
    segments = _names(session, Segment, {p.segment_id for p in participants.values()})
    users = _names(session, User, {i.conducted_by for i in interviews})
    titles = dict(
        session.exec(select(Problem.id, Problem.title).where(Problem.workspace_id == ctx.id)).all()
    )
    covered: dict[int, list[str]] = {}
    for link in session.exec(
        select(InterviewProblem)
        .join(Interview, col(Interview.id) == col(InterviewProblem.interview_id))
        .where(Interview.workspace_id == ctx.id)
    ).all():
        covered.setdefault(link.interview_id, []).append(titles.get(link.problem_id, ""))
    header = [
        "id", "occurred_on", "kind", "title", "participant", "organisation", "segment",
        "conducted_by", "problems_covered", "notes",
    ]  # fmt: skip
    rows = []
    for i in interviews:
        person = participants.get(i.participant_id)
        rows.append(
            [
                i.id,
                i.occurred_on.isoformat(),
                i.kind,
                i.title,
                person.name if person else "",
                person.organisation if person else "",
                segments.get(person.segment_id or 0, "") if person else "",
                users.get(i.conducted_by or 0, ""),
                "; ".join(sorted(covered.get(i.id or 0, []))),
                i.notes,
            ]
        )
    return _csv(header, rows)


def evidence_csv(*, session: Session, ctx: WorkspaceContext) -> str:
    """Every live evidence item, in the same columns the CSV import reads (plus ids)."""
    items = session.exec(
        select(EvidenceItem)
        .where(EvidenceItem.workspace_id == ctx.id, col(EvidenceItem.deleted_at).is_(None))
        .order_by(col(EvidenceItem.id))
    ).all()
    interviews = {
        i.id: i
        for i in session.exec(
            select(Interview).where(Interview.workspace_id == ctx.id).options(with_notes())
        ).all()
    }
    participants = {
        p.id: p
        for p in session.exec(select(Participant).where(Participant.workspace_id == ctx.id)).all()
    }
    segment_ids = {p.segment_id for p in participants.values() if p.segment_id is not None}
    segments = {
        s.id or 0: s
        for s in session.exec(select(Segment).where(col(Segment.id).in_(segment_ids))).all()
    }
    titles = dict(
        session.exec(select(Problem.id, Problem.title).where(Problem.workspace_id == ctx.id)).all()
    )
    users = _names(session, User, {e.created_by for e in items})
    header = [
        "id", "participant", "segment", "interview_date", "interview_kind", "quote", "problem",
        "stance", "signal", "severity", "frequency", "problem_id", "interview_id", "logged_by",
        "logged_at", "interview_title", "interview_notes", "participant_title", "organisation",
        "contact", "segment_size",
    ]  # fmt: skip
    rows = []
    told: set[int] = set()  # interviews whose notes a row carried already: once is enough
    for e in items:
        interview = interviews.get(e.interview_id)
        person = participants.get(e.participant_id)
        segment = segments.get(person.segment_id or 0) if person else None
        first = interview is not None and interview.id not in told
        if interview is not None:
            told.add(interview.id or 0)
        rows.append(
            [
                e.id,
                person.name if person else "",
                segment.name if segment else "",
                interview.occurred_on.isoformat() if interview else "",
                interview.kind if interview else "",
                e.quote,
                titles.get(e.problem_id, ""),
                e.stance,
                e.signal,
                e.severity,
                e.frequency,
                e.problem_id,
                e.interview_id,
                users.get(e.created_by or 0, ""),
                e.created_at.isoformat(),
                interview.title if interview else "",
                interview.notes if interview and first else "",
                person.title if person else "",
                person.organisation if person else "",
                person.contact if person else "",
                segment.size if segment else None,
            ]
        )
    return _csv(header, rows)


def export_csv(*, session: Session, ctx: WorkspaceContext, table: str) -> str:
    """One of the CSV exports, by name."""
    exporters = {"problems": problems_csv, "interviews": interviews_csv, "evidence": evidence_csv}
    return exporters[table](session=session, ctx=ctx)

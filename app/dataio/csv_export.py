"""CSV exports of a workspace's live rows: problems with their scores, interviews, evidence.

Each is written as it is read, a chunk of rows at a time (the tags and problems of a chunk are
asked for with it), so a large workspace takes little memory."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, select
from sqlmodel import Session

from app.dataio.export import reading
from app.dataio.tables import table as table_of
from app.scorecards.service import store_missing_cards
from app.workspaces.deps import WorkspaceContext

CSV_TABLES = ("problems", "interviews", "evidence")
CHUNK_ROWS = 2_000


def _cell(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _lines(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _chunks(conn: Connection, stmt: Any, size: int | None) -> Iterator[Sequence[Row[Any]]]:
    yield from conn.execution_options(yield_per=size or CHUNK_ROWS).execute(stmt).partitions()


def problems_csv(conn: Connection, workspace_id: int, size: int | None = None) -> Iterator[str]:
    """Every live problem with its current scores, recommendation and flags."""
    problem, card, user = table_of("problem"), table_of("problem_scorecard"), table_of("user")
    tags = table_of("problem_tag")
    yield _lines([PROBLEM_HEADER])
    stmt = (
        select(
            problem.c.id,
            problem.c.title,
            problem.c.statement,
            problem.c.status,
            user.c.name,
            card.c.problem_id.label("card"),
            card.c.pain,
            card.c.reach,
            card.c.reach_upper,
            card.c.feasibility,
            card.c.confidence,
            card.c.recommendation,
            card.c.participants,
            card.c.evidence_items,
            card.c.flags,
            problem.c.updated_at,
        )
        .outerjoin(card, card.c.problem_id == problem.c.id)
        .outerjoin(user, user.c.id == problem.c.owner_id)
        .where(problem.c.workspace_id == workspace_id, problem.c.deleted_at.is_(None))
        .order_by(problem.c.id)
    )
    for chunk in _chunks(conn, stmt, size):
        tagged: dict[int, list[str]] = {}
        found = select(tags.c.problem_id, tags.c.tag).where(
            tags.c.problem_id.in_([r.id for r in chunk])
        )
        for problem_id, tag in conn.execute(found):
            tagged.setdefault(problem_id, []).append(tag)
        yield _lines(
            [
                r.id,
                r.title,
                r.statement,
                r.status,
                r.name or "",
                "; ".join(sorted(tagged.get(r.id, []))),
                r.pain,
                r.reach,
                r.reach_upper,
                r.feasibility,
                r.confidence,
                r.recommendation,
                r.participants,
                r.evidence_items,
                "; ".join(r.flags or []) if r.card is not None else None,
                r.updated_at.isoformat(),
            ]
            for r in chunk
        )


PROBLEM_HEADER = [
    "id", "title", "statement", "status", "owner", "tags", "pain", "reach", "reach_upper",
    "feasibility", "confidence", "recommendation", "participants", "evidence_items", "flags",
    "updated_at",
]  # fmt: skip


def interviews_csv(conn: Connection, workspace_id: int, size: int | None = None) -> Iterator[str]:
    """Every live interview with its participant, segment, problems covered and notes."""
    interview, person, segment, user = (
        table_of("interview"), table_of("participant"), table_of("segment"), table_of("user")
    )  # fmt: skip
    links, problem = table_of("interview_problem"), table_of("problem")
    yield _lines([INTERVIEW_HEADER])
    stmt = (
        select(
            interview.c.id,
            interview.c.occurred_on,
            interview.c.kind,
            interview.c.title,
            person.c.name.label("participant"),
            person.c.organisation,
            segment.c.name.label("segment"),
            user.c.name.label("conducted_by"),
            interview.c.notes,
        )
        .outerjoin(
            person,
            and_(person.c.id == interview.c.participant_id, person.c.workspace_id == workspace_id),
        )
        .outerjoin(segment, segment.c.id == person.c.segment_id)
        .outerjoin(user, user.c.id == interview.c.conducted_by)
        .where(interview.c.workspace_id == workspace_id, interview.c.deleted_at.is_(None))
        .order_by(interview.c.occurred_on, interview.c.id)
    )
    for chunk in _chunks(conn, stmt, size):
        covered: dict[int, list[str]] = {}
        found = (
            select(links.c.interview_id, problem.c.title)
            .join(problem, problem.c.id == links.c.problem_id)
            .where(
                links.c.interview_id.in_([r.id for r in chunk]),
                problem.c.workspace_id == workspace_id,
            )
        )
        for interview_id, title in conn.execute(found):
            covered.setdefault(interview_id, []).append(title)
        yield _lines(
            [
                r.id,
                r.occurred_on.isoformat(),
                r.kind,
                r.title,
                r.participant or "",
                r.organisation or "",
                r.segment or "",
                r.conducted_by or "",
                "; ".join(sorted(covered.get(r.id, []))),
                r.notes,
            ]
            for r in chunk
        )


INTERVIEW_HEADER = [
    "id", "occurred_on", "kind", "title", "participant", "organisation", "segment",
    "conducted_by", "problems_covered", "notes",
]  # fmt: skip


def evidence_csv(conn: Connection, workspace_id: int, size: int | None = None) -> Iterator[str]:
    """Every live evidence item, in the same columns the CSV import reads (plus ids)."""
    item, interview, person = (
        table_of("evidence_item"),
        table_of("interview"),
        table_of("participant"),
    )
    segment, problem, user = table_of("segment"), table_of("problem"), table_of("user")
    yield _lines([EVIDENCE_HEADER])
    ours = workspace_id
    stmt = (
        select(
            item.c.id,
            person.c.name.label("participant"),
            segment.c.name.label("segment"),
            interview.c.occurred_on,
            interview.c.kind,
            item.c.quote,
            problem.c.title.label("problem"),
            item.c.stance,
            item.c.signal,
            item.c.severity,
            item.c.frequency,
            item.c.problem_id,
            item.c.interview_id,
            user.c.name.label("logged_by"),
            item.c.created_at,
            interview.c.title.label("interview_title"),
            person.c.title.label("participant_title"),
            person.c.organisation,
            person.c.contact,
            segment.c.size.label("segment_size"),
        )
        .outerjoin(
            interview,
            and_(interview.c.id == item.c.interview_id, interview.c.workspace_id == ours),
        )
        .outerjoin(
            person, and_(person.c.id == item.c.participant_id, person.c.workspace_id == ours)
        )
        .outerjoin(segment, segment.c.id == person.c.segment_id)
        .outerjoin(problem, and_(problem.c.id == item.c.problem_id, problem.c.workspace_id == ours))
        .outerjoin(user, user.c.id == item.c.created_by)
        .where(item.c.workspace_id == ours, item.c.deleted_at.is_(None))
        .order_by(item.c.id)
    )
    told: set[int] = set()  # interviews whose notes a row carried already: once is enough
    for chunk in _chunks(conn, stmt, size):
        # The notes go with an interview's first row only, read for this chunk's newcomers.
        newcomers = {r.interview_id for r in chunk if r.interview_id is not None} - told
        found = select(interview.c.id, interview.c.notes).where(interview.c.id.in_(newcomers))
        notes: dict[int, str] = {row.id: row.notes for row in conn.execute(found)}
        told |= newcomers
        yield _lines(
            [
                r.id,
                r.participant or "",
                r.segment or "",
                r.occurred_on.isoformat() if r.occurred_on else "",
                r.kind or "",
                r.quote,
                r.problem or "",
                r.stance,
                r.signal,
                r.severity,
                r.frequency,
                r.problem_id,
                r.interview_id,
                r.logged_by or "",
                r.created_at.isoformat(),
                r.interview_title or "",
                _first_notes(notes, r.interview_id),
                r.participant_title or "",
                r.organisation or "",
                r.contact or "",
                r.segment_size,
            ]
            for r in chunk
        )


def _first_notes(notes: dict[int, str], interview_id: int | None) -> str:
    """An interview's notes the first time one of its rows asks, then nothing."""
    return str(notes.pop(interview_id, "") or "") if interview_id is not None else ""


EVIDENCE_HEADER = [
    "id", "participant", "segment", "interview_date", "interview_kind", "quote", "problem",
    "stance", "signal", "severity", "frequency", "problem_id", "interview_id", "logged_by",
    "logged_at", "interview_title", "interview_notes", "participant_title", "organisation",
    "contact", "segment_size",
]  # fmt: skip

WRITERS: dict[str, Callable[[Connection, int, int | None], Iterator[str]]] = {
    "problems": problems_csv,
    "interviews": interviews_csv,
    "evidence": evidence_csv,
}


def prepare_csv(*, session: Session, ctx: WorkspaceContext, table: str) -> None:
    """What an export needs stored before it is read: every live problem's scorecard."""
    if table != "problems":
        return
    problem = table_of("problem")
    ids = session.execute(
        select(problem.c.id).where(problem.c.workspace_id == ctx.id, problem.c.deleted_at.is_(None))
    ).scalars()
    store_missing_cards(session=session, workspace=ctx.workspace, problem_ids=list(ids))


def write_csv(
    conn: Connection, workspace_id: int, name: str, size: int | None = None
) -> Iterator[str]:
    """One of the CSV exports, by name, as text pieces."""
    return WRITERS[name](conn, workspace_id, size)


def stream_csv(engine: Engine, workspace_id: int, name: str) -> Iterator[str]:
    """A CSV export for a streamed response: its own connection, opened when sending begins."""
    with reading(engine) as conn:
        yield from write_csv(conn, workspace_id, name)

"""Rules of the research domain: segments, participants, interviews and evidence."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, col, delete

from app.db import touch_problems, utcnow
from app.enums import Signal
from app.errors import InvalidInput
from app.kit.audit import record
from app.kit.rows import add_row, ensure_all_in_workspace, ensure_in_workspace, update_row
from app.problems.models import Problem
from app.research import anchoring, repository
from app.research.models import (
    QUOTE_MAX,
    AnchorState,
    EvidenceCreate,
    EvidenceItem,
    EvidenceRead,
    Highlight,
    HighlightCreate,
    Interview,
    InterviewCreate,
    InterviewProblem,
    InterviewRead,
    InterviewUpdate,
    Participant,
    ParticipantCreate,
    ReanchorReport,
    Segment,
    SegmentCreate,
)
from app.research.transcript import Mark
from app.scoring.words import unsized_segments_note
from app.workspaces.deps import WorkspaceContext
from app.workspaces.service import ensure_member

# session.info key: the re-anchor report of each interview whose notes this request edited.
REANCHORED = "research.reanchored"


def create_segment(*, session: Session, ctx: WorkspaceContext, payload: SegmentCreate) -> Segment:
    """Add a segment of the customer base."""
    return add_row(session, ctx, Segment.model_validate(payload, update={"workspace_id": ctx.id}))


def create_participant(
    *, session: Session, ctx: WorkspaceContext, payload: ParticipantCreate
) -> Participant:
    """Add a participant, in a segment of this workspace when one is given."""
    ensure_in_workspace(session, Segment, ctx, payload.segment_id, "segment_id")
    return add_row(
        session, ctx, Participant.model_validate(payload, update={"workspace_id": ctx.id})
    )


def update_participant(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Participant,
    payload: Any,
    current: Callable[[], Any],
) -> Participant:
    """Edit a participant; a new segment must belong to the workspace."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("segment_id") is not None:
        ensure_in_workspace(session, Segment, ctx, changes["segment_id"], "segment_id")
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def _check_problems(
    session: Session, ctx: WorkspaceContext, problem_ids: Sequence[int], field: str
) -> None:
    ensure_all_in_workspace(session, Problem, ctx, [(field, pid) for pid in problem_ids])


def _set_coverage(session: Session, interview: Interview, problem_ids: Sequence[int]) -> None:
    assert interview.id is not None
    session.exec(delete(InterviewProblem).where(col(InterviewProblem.interview_id) == interview.id))
    for problem_id in dict.fromkeys(problem_ids):
        session.add(InterviewProblem(interview_id=interview.id, problem_id=problem_id))
    session.flush()


def latest_today() -> date:
    """The latest date it is anywhere now (UTC+14): a later date has not begun anywhere."""
    # A researcher east of UTC may already be on a date UTC has not reached.
    return (utcnow() + timedelta(hours=14)).date()


def _check_occurred_on(occurred_on: date) -> None:
    """An interview is logged once it has happened, never ahead of time."""
    if occurred_on > latest_today():
        raise InvalidInput(
            f"occurred_on: {occurred_on.isoformat()} is in the future; log an interview once it "
            "has happened, with the date it took place.",
            details=[{"field": "occurred_on", "message": "cannot be in the future"}],
        )


def _check_not_empty(notes: str, problem_ids: Sequence[int], evidence: int) -> None:
    # A title-only shell would count as research done while holding nothing to learn from.
    if not notes.strip() and not problem_ids and not evidence:
        raise InvalidInput(
            "This interview has nothing in it yet: add notes, a highlight, or a problem it "
            "covered, so it holds what was learned.",
            details={"fields": ["notes", "highlights", "problem_ids"]},
        )


def create_interview(
    *, session: Session, ctx: WorkspaceContext, payload: InterviewCreate
) -> Interview:
    """Log an interview with the problems it covered and its highlights, in one go."""
    ensure_in_workspace(session, Participant, ctx, payload.participant_id, "participant_id")
    ensure_member(session=session, ctx=ctx, user_id=payload.conducted_by, field="conducted_by")
    # Every problem the interview names, covered or highlighted, checked in one query.
    ensure_all_in_workspace(
        session,
        Problem,
        ctx,
        [("problem_ids", pid) for pid in payload.problem_ids]
        + [(f"highlights.{i}.problem_id", h.problem_id) for i, h in enumerate(payload.highlights)],
    )
    _check_occurred_on(payload.occurred_on)
    _check_not_empty(payload.notes, payload.problem_ids, len(payload.highlights))
    interview = Interview.model_validate(
        payload.model_dump(exclude={"problem_ids", "highlights"})
        | {"conducted_by": payload.conducted_by or ctx.user_id},
        update={"workspace_id": ctx.id},
    )
    add_row(session, ctx, interview)
    # A highlight on a problem means the interview covered it, even if not ticked.
    covered = [*payload.problem_ids, *(h.problem_id for h in payload.highlights)]
    _set_coverage(session, interview, covered)
    for highlight in payload.highlights:
        _add_evidence(session, ctx, highlight, interview, notes=payload.notes)
    return interview


def update_interview(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Interview,
    payload: InterviewUpdate,
    current: Callable[[], Any],
) -> Interview:
    """Edit an interview, including the problems it covered; it keeps a past date and
    something in it."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "problem_ids"})
    if changes.get("occurred_on") is not None and changes["occurred_on"] != row.occurred_on:
        _check_occurred_on(changes["occurred_on"])
    if "participant_id" in changes:
        ensure_in_workspace(session, Participant, ctx, changes["participant_id"], "participant_id")
    if changes.get("conducted_by") is not None:
        ensure_member(
            session=session, ctx=ctx, user_id=changes["conducted_by"], field="conducted_by"
        )
    if payload.problem_ids is not None:
        _check_problems(session, ctx, payload.problem_ids, "problem_ids")
    before_coverage = repository.covered_problems(session, [row.id or 0]).get(row.id or 0, [])
    if "notes" in changes or payload.problem_ids is not None:
        evidence = repository.evidence_of_interviews(session, ctx, [row.id or 0])
        _check_not_empty(
            changes.get("notes", row.notes) or "",
            before_coverage if payload.problem_ids is None else payload.problem_ids,
            len(evidence.get(row.id or 0, [])),
        )
    touch_problems(session, before_coverage)
    old_notes = row.notes if "notes" in changes else None
    row = update_row(session, ctx, row, changes, version=payload.version, current=current)
    if old_notes is not None and row.notes != old_notes:
        report = reanchor_interview(session=session, ctx=ctx, interview=row)
        session.info.setdefault(REANCHORED, {})[row.id] = report
    if payload.problem_ids is not None and sorted(set(payload.problem_ids)) != before_coverage:
        _set_coverage(session, row, payload.problem_ids)
        record(
            session=session,
            workspace_id=ctx.id,
            actor_id=ctx.user_id,
            action="update",
            entity="interview_problem",
            entity_id=row.id,
            before={"problem_ids": before_coverage},
            after={"problem_ids": sorted(set(payload.problem_ids))},
        )
    if "participant_id" in changes:
        # Evidence follows its interview's participant, so the scorecard counts the right person.
        for item in repository.evidence_of_interviews(session, ctx, [row.id or 0]).get(
            row.id or 0, []
        ):
            item.participant_id = row.participant_id
            session.add(item)
    return row


def reanchor_interview(
    *, session: Session, ctx: WorkspaceContext, interview: Interview
) -> ReanchorReport:
    """Find every highlight of an interview again in its (edited) notes; a quote that is no
    longer there is detached, never dropped; typed quotes found there are placed."""
    notes = interview.notes
    report = ReanchorReport()
    items = repository.evidence_of_interviews(session, ctx, [interview.id or 0])
    for item in items.get(interview.id or 0, []):
        if item.anchor is None:
            span = anchoring.locate(notes, item.quote)
            if span is None or not span.exact:
                continue  # a typed quote stays typed until its words are in the notes
            outcome = anchoring.Outcome.moved
        else:
            outcome, span = anchoring.reanchor(notes, item.quote, item.quote_start)
        if span is None:
            item.anchor = AnchorState.detached  # the old offsets stay, as a hint
            report.detached.append(item.id or 0)
        else:
            if item.anchor is None:
                report.placed.append(item.id or 0)
            else:
                getattr(report, outcome.value).append(item.id or 0)
            if outcome == anchoring.Outcome.changed:
                item.quote = notes[span.start : span.end][:QUOTE_MAX]
                item.version += 1
            item.quote_start, item.quote_end = span.start, span.start + len(item.quote)
            item.anchor = AnchorState.anchored
        session.add(item)
    session.flush()
    return report


def create_highlight(
    *, session: Session, ctx: WorkspaceContext, interview: Interview, payload: HighlightCreate
) -> EvidenceItem:
    """Make a passage of the notes, picked by its offsets, a highlight on a problem."""
    notes = interview.notes
    start, end = payload.start, payload.end
    if end > len(notes) or start >= end:
        raise InvalidInput(
            f"start and end must pick a passage of the notes, which hold {len(notes):,} "
            f"characters: 0 <= start < end <= {len(notes)} (you sent {start} and {end}).",
            details=[{"field": "end", "message": "outside the notes"}],
        )
    # A selection often takes the space or line break around a passage: that is not the quote.
    while start < end and notes[start].isspace():
        start += 1
    while end > start and notes[end - 1].isspace():
        end -= 1
    quote = notes[start:end]
    if not quote:
        raise InvalidInput(
            "This passage is only spaces or line breaks: select some words.",
            details=[{"field": "start", "message": "empty passage"}],
        )
    if len(quote) > QUOTE_MAX:
        raise InvalidInput(
            f"A highlight holds at most {QUOTE_MAX:,} characters; this passage has "
            f"{len(quote):,}. Select a shorter one.",
            details=[{"field": "end", "message": "passage too long"}],
        )
    fields = EvidenceCreate.model_validate(
        payload.model_dump(exclude={"start", "end"})
        | {"quote": quote, "interview_id": interview.id}
    )
    item = create_evidence(session=session, ctx=ctx, payload=fields, notes=notes, hint=start)
    return item


def interview_reads(
    session: Session,
    ctx: WorkspaceContext,
    rows: Sequence[Interview],
    *,
    notes: bool | None = None,
) -> list[InterviewRead]:
    """Reads with coverage and evidence; the notes only when asked for, or (by default) when
    the row already holds them: lists never load them."""
    ids = [row.id for row in rows if row.id is not None]
    coverage = repository.covered_problems(session, ids)
    evidence = repository.evidence_of_interviews(session, ctx, ids)
    reanchored = session.info.get(REANCHORED, {})

    def text_of(row: Interview) -> str | None:
        if notes is False or (notes is None and "notes" in _unloaded(row)):
            return None
        return row.notes

    reads = []
    for row in rows:
        text = text_of(row)
        data = row.model_dump(exclude={"notes"}) | {
            "notes": text,
            "notes_length": None if text is None else len(text),
            "reanchored": reanchored.get(row.id),
        }
        reads.append(_interview_read(data, coverage, evidence, row))
    return reads


def interview_read(session: Session, ctx: WorkspaceContext, row: Interview) -> InterviewRead:
    """One interview, with its notes."""
    return interview_reads(session, ctx, [row], notes=True)[0]


def _unloaded(row: Interview) -> set[str]:
    state = sa_inspect(row, raiseerr=False)
    return set(state.unloaded) if state is not None else set()


def _interview_read(
    data: dict[str, Any],
    coverage: dict[int, list[int]],
    evidence: dict[int, list[EvidenceItem]],
    row: Interview,
) -> InterviewRead:
    return InterviewRead.model_validate(
        data
        | {
            "problem_ids": coverage.get(row.id or 0, []),
            "evidence": [
                EvidenceRead.model_validate(e, from_attributes=True)
                for e in evidence.get(row.id or 0, [])
            ],
        }
    )


def _add_evidence(
    session: Session,
    ctx: WorkspaceContext,
    fields: Highlight | EvidenceCreate,
    interview: Interview | None,
    *,
    notes: str | None = None,
    hint: int | None = None,
) -> EvidenceItem:
    data = fields.model_dump(exclude={"interview_id", "participant_id"})
    if interview is not None:
        # A quote from the interview is placed in its notes when its words are there.
        notes = interview.notes if notes is None else notes
        start = anchoring.nearest_exact(notes, fields.quote, hint)
        if start is not None:
            data |= {
                "quote_start": start,
                "quote_end": start + len(fields.quote),
                "anchor": AnchorState.anchored,
            }
    item = EvidenceItem.model_validate(
        data
        | {
            "interview_id": interview.id if interview else None,
            "participant_id": interview.participant_id
            if interview
            else getattr(fields, "participant_id", None),
        },
        update={"workspace_id": ctx.id},
    )
    return add_row(session, ctx, item)


def create_evidence(
    *,
    session: Session,
    ctx: WorkspaceContext,
    payload: EvidenceCreate,
    notes: str | None = None,
    hint: int | None = None,
) -> EvidenceItem:
    """Add a highlight to a problem, from an interview or standalone (e.g. analytics)."""
    ensure_in_workspace(session, Problem, ctx, payload.problem_id, "problem_id")
    interview = ensure_in_workspace(session, Interview, ctx, payload.interview_id, "interview_id")
    if interview is None:
        ensure_in_workspace(session, Participant, ctx, payload.participant_id, "participant_id")
    else:
        covered = repository.covered_problems(session, [interview.id or 0]).get(
            interview.id or 0, []
        )
        if payload.problem_id not in covered:
            session.add(
                InterviewProblem(interview_id=interview.id or 0, problem_id=payload.problem_id)
            )
            session.flush()
    return _add_evidence(session, ctx, payload, interview, notes=notes, hint=hint)


def update_evidence(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: EvidenceItem,
    payload: Any,
    current: Callable[[], Any],
) -> EvidenceItem:
    """Edit a highlight; the stance must still agree with the signal."""

    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("problem_id") is not None:
        ensure_in_workspace(session, Problem, ctx, changes["problem_id"], "problem_id")
        touch_problems(session, [row.problem_id])
    signal = Signal(changes.get("signal") or row.signal)
    if "signal" in changes and "stance" not in changes:
        changes["stance"] = signal.stance
    stance = changes.get("stance") or row.stance
    if stance != signal.stance:
        raise InvalidInput(
            f"stance: signal '{signal.value}' {signal.stance.value} the problem, "
            f"so the stance cannot be '{stance}'.",
            details=[{"field": "stance", "message": "does not match the signal"}],
        )
    for key in ("problem_id", "signal", "stance", "quote"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                f"{key}: cannot be empty.", details=[{"field": key, "message": "required"}]
            )
    if changes.get("quote") not in (None, row.quote) and row.interview_id is not None:
        # An edited quote is looked for again in its transcript.
        interview = session.get(Interview, row.interview_id)
        span = anchoring.locate(
            interview.notes if interview else "", changes["quote"], row.quote_start
        )
        if span is not None and span.exact:
            changes |= {
                "quote_start": span.start,
                "quote_end": span.end,
                "anchor": AnchorState.anchored,
            }
        elif row.anchor is not None:
            changes["anchor"] = AnchorState.detached
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


@dataclass
class TranscriptView:
    """An interview's highlights as its page shows them: marked in place (in reading order),
    detached, or typed without a place in the notes."""

    marks: list[Mark] = field(default_factory=list)
    placed: list[tuple[EvidenceItem, int]] = field(default_factory=list)
    detached: list[EvidenceItem] = field(default_factory=list)
    typed: list[EvidenceItem] = field(default_factory=list)


def transcript_view(
    notes: str, items: Sequence[EvidenceItem], titles: dict[int, str]
) -> TranscriptView:
    """Place every highlight in the notes. A typed quote whose words are in the notes is
    placed here too (without writing: editing the notes anchors it for good)."""
    view = TranscriptView()
    for item in items:
        start, end = item.quote_start, item.quote_end
        if item.anchor == AnchorState.detached:
            view.detached.append(item)
            continue
        if item.anchor is None or start is None or notes[start:end] != item.quote:
            start = anchoring.nearest_exact(notes, item.quote, start)
            if start is None:
                (view.typed if item.anchor is None else view.detached).append(item)
                continue
            end = start + len(item.quote)
        label = f"{titles.get(item.problem_id, 'a problem')} · {item.signal.replace('_', ' ')}"
        view.marks.append(Mark(item.id or 0, start, end or start, label, item.stance))
        view.placed.append((item, start))
    view.placed.sort(key=lambda pair: (pair[1], pair[0].id or 0))
    return view


def segment_sizes_note(session: Session, ctx: WorkspaceContext) -> str | None:
    """What segments without a size do to reach, or None when every segment has one."""
    segments = repository.segments_by_name(session, ctx)
    return unsized_segments_note([s.name for s in segments if not s.size], len(segments))

"""The database side of scoring: load a problem's rows as plain inputs (optionally as they were
at a moment), compute, and keep the current scorecard per problem so reads never recompute.

No write refreshes a card by hand: every session notes what its flushed rows can move, and just
before it commits recomputes those problems' cards under a per-problem lock, so the stored card
always equals a fresh computation.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    bindparam,
    event,
    or_,
    text,
    update,
)
from sqlalchemy.orm.attributes import get_history
from sqlmodel import Field, Session, SQLModel, col, select

from app.auth.models import User
from app.db import TOUCHED_PROBLEMS, DomainRow, UTCDateTime, touched_problems, utcnow
from app.decisions.models import Decision
from app.enums import (
    AssumptionCategory,
    DecisionKind,
    Frequency,
    Recommendation,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.experiments.models import Assumption, AssumptionTest
from app.problems.models import KillCriteriaChange, Problem
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.scoring import inputs as si
from app.scoring.engine import compute_scorecard
from app.scoring.scorecard import Scorecard
from app.workspaces.models import Membership, Workspace

THRESHOLD_NAMES = ("pain", "reach", "feasibility", "min_participants")


class ProblemScorecard(SQLModel, table=True):
    """The current scorecard of a problem, with its headline figures as columns to sort on."""

    __tablename__ = "problem_scorecard"

    problem_id: int = Field(
        sa_column=Column(Integer, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True)
    )
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    pain: float = 0
    reach: float = 0
    reach_upper: float = 0
    feasibility: float = 0
    confidence: str = Field(default="low", sa_type=String(8))
    recommendation: str = Field(default="investigate", sa_type=String(16), index=True)
    participants: int = 0
    evidence_items: int = 0
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The headline figures after each refresh that moved them, oldest first (TrendPoint).
    trend: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class TrendPoint(BaseModel):
    """The card's headline figures as they were after one change."""

    at: datetime
    pain: float
    reach: float
    feasibility: float
    confidence: str
    recommendation: Recommendation


# Enough points for a sparkline; older ones drop off.
TREND_POINTS = 24


def _trend_point(card: Scorecard) -> dict[str, Any]:
    return TrendPoint(
        at=card.as_of,
        pain=card.pain.value,
        reach=card.reach.value,
        feasibility=card.feasibility.value,
        confidence=card.confidence.level.value,
        recommendation=card.recommendation.value,
    ).model_dump(mode="json")


def _extended(trend: list[dict[str, Any]], point: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend with this point added, unless the figures did not move."""
    figures = ("pain", "reach", "feasibility", "confidence", "recommendation")
    if trend and all(trend[-1].get(name) == point[name] for name in figures):
        return trend
    return [*trend, point][-TREND_POINTS:]


# ---- loading inputs ------------------------------------------------------------------------


def _alive(model: type[DomainRow], dated: bool) -> Any:
    """Rows that existed at `:as_of` (created by then, not deleted by then), else live rows."""
    if not dated:
        return col(model.deleted_at).is_(None)
    as_of: Any = bindparam("as_of")
    return (col(model.created_at) <= as_of) & or_(
        col(model.deleted_at).is_(None), col(model.deleted_at) > as_of
    )


def thresholds_of(workspace: Workspace) -> si.Thresholds:
    return si.Thresholds(
        pain=workspace.pain_threshold,
        reach=workspace.reach_threshold,
        feasibility=workspace.feasibility_threshold,
        min_participants=workspace.min_participants,
    )


def _threshold_change(raw: dict[str, Any] | None, base: si.Thresholds) -> si.Thresholds | None:
    """Kill criteria as stored (None = the workspace's value) made into full thresholds."""
    if raw is None:
        return None

    def pick(name: str) -> Any:
        value = raw.get(name)
        return getattr(base, name) if value is None else value

    return si.Thresholds(
        pain=float(pick("pain")),
        reach=float(pick("reach")),
        feasibility=float(pick("feasibility")),
        min_participants=int(pick("min_participants")),
    )


class _Queries(NamedTuple):
    segments: Any
    coverage: Any
    evidence: Any
    interview_dates: Any
    participants: Any
    assumptions: Any
    tests: Any
    kill_criteria: Any
    decisions: Any


@cache
def _queries(dated: bool) -> _Queries:
    """The statements that load scoring inputs, built once with bound parameters (`ws`,
    `problem_ids`, `interview_ids`, `participant_ids`, `as_of`).

    Building and hashing a statement costs more than running it on a problem's rows, and
    whole rows cost more than the few columns scoring reads.
    """
    ws: Any = bindparam("ws")
    problem_ids: Any = bindparam("problem_ids", expanding=True)

    def of_problems(model: Any) -> list[Any]:
        return [
            model.workspace_id == ws,
            col(model.problem_id).in_(problem_ids),
            _alive(model, dated),
        ]

    kill_criteria = select(KillCriteriaChange).where(
        KillCriteriaChange.workspace_id == ws,
        col(KillCriteriaChange.problem_id).in_(problem_ids),
    )
    if dated:
        kill_criteria = kill_criteria.where(
            col(KillCriteriaChange.changed_at) <= bindparam("as_of")
        )
    return _Queries(
        segments=select(Segment.id, Segment.name, Segment.size).where(
            Segment.workspace_id == ws, _alive(Segment, dated)
        ),
        # Scoped through the problems: SQLite without statistics would otherwise start from
        # every interview of the workspace rather than from the few that covered them.
        coverage=select(  # type: ignore[call-overload]
            InterviewProblem.problem_id,
            Interview.id,
            Interview.participant_id,
            Interview.occurred_on,
        )
        .select_from(Problem)
        .join(InterviewProblem, col(InterviewProblem.problem_id) == col(Problem.id))
        .join(Interview, col(Interview.id) == col(InterviewProblem.interview_id))
        .where(
            Problem.workspace_id == ws,
            col(Problem.id).in_(problem_ids),
            _alive(Interview, dated),
        ),
        evidence=select(  # type: ignore[call-overload, misc]
            EvidenceItem.id,
            EvidenceItem.problem_id,
            EvidenceItem.interview_id,
            EvidenceItem.participant_id,
            EvidenceItem.stance,
            EvidenceItem.signal,
            EvidenceItem.severity,
            EvidenceItem.frequency,
            EvidenceItem.created_by,
            EvidenceItem.created_at,
            EvidenceItem.quote,
        ).where(*of_problems(EvidenceItem)),
        interview_dates=select(Interview.id, Interview.occurred_on).where(  # type: ignore[call-overload]
            Interview.workspace_id == ws,
            col(Interview.id).in_(bindparam("interview_ids", expanding=True)),
            _alive(Interview, dated),
        ),
        participants=select(Participant.id, Participant.name, Participant.segment_id).where(
            Participant.workspace_id == ws,
            col(Participant.id).in_(bindparam("participant_ids", expanding=True)),
            _alive(Participant, dated),
        ),
        assumptions=select(  # type: ignore[call-overload]
            Assumption.id,
            Assumption.problem_id,
            Assumption.statement,
            Assumption.category,
            Assumption.critical,
        ).where(*of_problems(Assumption)),
        tests=select(  # type: ignore[call-overload]
            AssumptionTest.id,
            AssumptionTest.problem_id,
            AssumptionTest.assumption_id,
            AssumptionTest.method,
            AssumptionTest.outcome,
            AssumptionTest.started_at,
            AssumptionTest.concluded_at,
        ).where(*of_problems(AssumptionTest)),
        kill_criteria=kill_criteria,
        decisions=select(  # type: ignore[call-overload]
            Decision.id,
            Decision.problem_id,
            Decision.kind,
            Decision.recommendation,
            Decision.created_at,
        ).where(*of_problems(Decision)),
    )


def load_inputs(
    session: Session,
    workspace: Workspace,
    problems: Sequence[Problem],
    as_of: datetime | None = None,
) -> dict[int, si.ScoringInput]:
    """Every problem's scoring input, loaded in a handful of queries whatever their number."""
    ws_id = workspace.id
    problem_ids = [p.id for p in problems if p.id is not None]
    if not problem_ids:
        return {}
    moment = as_of or utcnow()
    base = thresholds_of(workspace)
    queries = _queries(dated=as_of is not None)
    params = {"ws": ws_id, "problem_ids": problem_ids, "as_of": as_of}

    def rows(statement: Any, **more: Any) -> Sequence[Any]:
        return session.exec(statement, params=params | more).all()

    segments = tuple(
        si.SegmentIn(id=s.id or 0, name=s.name, size=s.size) for s in rows(queries.segments)
    )
    live_segment_ids = {s.id for s in segments}

    coverage_rows = rows(queries.coverage)
    coverage: dict[int, list[si.CoverageIn]] = defaultdict(list)
    interview_dates: dict[int, Any] = {}
    for problem_id, interview_id, participant_id, occurred_on in coverage_rows:
        coverage[problem_id].append(si.CoverageIn(interview_id, participant_id, occurred_on))
        interview_dates[interview_id] = occurred_on

    evidence_rows = rows(queries.evidence)
    # Evidence of a deleted interview no longer counts either.
    evidence_interviews = {e.interview_id for e in evidence_rows if e.interview_id is not None}
    missing_dates = evidence_interviews - set(interview_dates)
    if missing_dates:
        for interview_id, occurred_on in rows(
            queries.interview_dates, interview_ids=sorted(missing_dates)
        ):
            interview_dates[interview_id or 0] = occurred_on
    evidence: dict[int, list[si.EvidenceIn]] = defaultdict(list)
    # Unpacked in the order of `queries.evidence`: much cheaper than reading each by name.
    for (
        evidence_id,
        problem_id,
        interview_id,
        participant_id,
        stance,
        signal,
        severity,
        frequency,
        logged_by,
        logged_at,
        quote,
    ) in evidence_rows:
        if interview_id is not None and interview_id not in interview_dates:
            continue
        evidence[problem_id].append(
            si.EvidenceIn(
                id=evidence_id,
                participant_id=participant_id,
                interview_id=interview_id,
                stance=Stance(stance),
                signal=Signal(signal),
                severity=severity,
                frequency=Frequency(frequency) if frequency else None,
                logged_by=logged_by,
                logged_at=logged_at,
                observed_on=interview_dates.get(interview_id) if interview_id else None,
                quote=quote,
            )
        )

    participant_ids = {c.participant_id for cs in coverage.values() for c in cs} | {
        e.participant_id for es in evidence.values() for e in es
    }
    participant_ids.discard(None)
    participants: dict[int, si.ParticipantIn] = {}
    if participant_ids:
        for person in rows(queries.participants, participant_ids=sorted(participant_ids)):
            segment_id = person.segment_id if person.segment_id in live_segment_ids else None
            participants[person.id or 0] = si.ParticipantIn(
                id=person.id or 0, name=person.name, segment_id=segment_id
            )

    assumptions: dict[int, list[si.AssumptionIn]] = defaultdict(list)
    for a in rows(queries.assumptions):
        assumptions[a.problem_id].append(
            si.AssumptionIn(a.id or 0, a.statement, AssumptionCategory(a.category), a.critical)
        )
    tests: dict[int, list[si.TestIn]] = defaultdict(list)
    for t in rows(queries.tests):
        concluded = t.concluded_at is not None and (as_of is None or t.concluded_at <= as_of)
        started = t.started_at is not None and (as_of is None or t.started_at <= as_of)
        status = (
            TestStatus.concluded
            if concluded
            else TestStatus.running
            if started
            else TestStatus.planned
        )
        tests[t.problem_id].append(
            si.TestIn(
                id=t.id or 0,
                assumption_id=t.assumption_id,
                method=TestMethod(t.method),
                status=status,
                outcome=TestOutcome(t.outcome) if concluded and t.outcome else None,
                concluded_at=t.concluded_at if concluded else None,
            )
        )

    changes: dict[int, list[si.KillCriteriaChange]] = defaultdict(list)
    for ch in rows(queries.kill_criteria):
        if ch.before is not None and all(
            ch.before.get(name) == ch.after.get(name) for name in THRESHOLD_NAMES
        ):
            continue  # only the review-by date moved
        after = _threshold_change(ch.after, base)
        assert after is not None
        changes[ch.problem_id].append(
            si.KillCriteriaChange(
                ch.changed_at, ch.changed_by, _threshold_change(ch.before, base), after
            )
        )

    decisions: dict[int, list[si.DecisionIn]] = defaultdict(list)
    for d in rows(queries.decisions):
        decisions[d.problem_id].append(
            si.DecisionIn(
                id=d.id or 0,
                kind=DecisionKind(d.kind),
                recommendation=Recommendation(d.recommendation) if d.recommendation else None,
                decided_at=d.created_at,
            )
        )

    team = tuple(
        (user_id or 0, name)
        for user_id, name in session.exec(
            select(User.id, User.name)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(Membership.workspace_id == ws_id)
            .order_by(col(User.id))
        ).all()
    )
    result = {}
    for p in problems:
        pid = p.id or 0
        cov = tuple(
            c for c in coverage[pid] if c.participant_id is None or c.participant_id in participants
        )
        evs = tuple(
            e for e in evidence[pid] if e.participant_id is None or e.participant_id in participants
        )
        referenced = {c.participant_id for c in cov} | {e.participant_id for e in evs}
        result[pid] = si.ScoringInput(
            problem=si.ProblemIn(
                id=pid,
                title=p.title,
                owner_id=p.owner_id,
                feasibility_estimate=p.feasibility_estimate,
                feasibility_rationale=p.feasibility_rationale or None,
            ),
            workspace_thresholds=base,
            segments=segments,
            participants=tuple(
                participants[i] for i in sorted(x for x in referenced if x is not None)
            ),
            coverage=cov,
            evidence=evs,
            assumptions=tuple(assumptions[pid]),
            tests=tuple(tests[pid]),
            kill_criteria=tuple(changes[pid]),
            decisions=tuple(decisions[pid]),
            as_of=moment,
            team=team,
        )
    return result


def compute(
    session: Session, workspace: Workspace, problem: Problem, as_of: datetime | None = None
) -> Scorecard:
    """A fresh scorecard of one problem, from the rows that existed at `as_of` (default now)."""
    return compute_scorecard(load_inputs(session, workspace, [problem], as_of)[problem.id or 0])


# ---- the stored current scorecards ----------------------------------------------------------


def _store(
    session: Session, workspace_id: int, card: Scorecard, trend: list[dict[str, Any]] | None
) -> None:
    """Write a problem's card in place, without reading the old one (tens of kB of JSON) first;
    `trend` is the stored trend, None when the problem has no card yet."""
    values: dict[str, Any] = {
        "computed_at": card.as_of,
        "pain": card.pain.value,
        "reach": card.reach.value,
        "reach_upper": card.reach.upper,
        "feasibility": card.feasibility.value,
        "confidence": card.confidence.level.value,
        "recommendation": card.recommendation.value.value,
        "participants": card.counts.participants,
        "evidence_items": card.counts.evidence_items,
        "flags": [flag.code.value for flag in card.flags],
        "data": card.model_dump(mode="json"),
        "trend": _extended(trend or [], _trend_point(card)),
    }
    if trend is None:
        session.add(
            ProblemScorecard(problem_id=card.problem_id, workspace_id=workspace_id, **values)
        )
        return
    session.exec(
        update(ProblemScorecard)
        .where(col(ProblemScorecard.problem_id) == card.problem_id)
        .values(**values)
    )


# Problems scored per batch: small enough that the participants of a batch stay well under
# SQLite's limit of bound parameters in one IN (...) list.
REFRESH_CHUNK = 100


def refresh(session: Session, workspace: Workspace, problem_ids: Iterable[int]) -> None:
    """Recompute and store the current scorecards of these problems."""
    ids = sorted(set(problem_ids))
    if not ids:
        return
    session.flush()
    for chunk_start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[chunk_start : chunk_start + REFRESH_CHUNK]
        problems = session.exec(
            select(Problem).where(Problem.workspace_id == workspace.id, col(Problem.id).in_(chunk))
        ).all()
        inputs = load_inputs(session, workspace, problems)
        trends: dict[int, list[dict[str, Any]]] = {
            problem_id: list(trend)
            for problem_id, trend in session.exec(
                select(ProblemScorecard.problem_id, ProblemScorecard.trend).where(
                    col(ProblemScorecard.problem_id).in_(chunk)
                )
            ).all()
        }
        # New cards are inserted together at the next flush, not one by one before each update.
        with session.no_autoflush:
            for inp in inputs.values():
                card = compute_scorecard(inp)
                _store(session, workspace.id or 0, card, trends.get(card.problem_id))
    session.flush()


# ---- the unit of work: every commit refreshes the cards its writes touched ---------------------

# The first key of the per-problem PostgreSQL advisory lock ("sc" for scorecard).
SCORECARD_LOCK = 0x7363
# Rows that move cards but carry no problem_id, resolved to problems at commit, when every row of
# the transaction is in the database.
PENDING_KEY = "evident_touched_rows"
_THRESHOLD_COLUMNS = (
    "pain_threshold",
    "reach_threshold",
    "feasibility_threshold",
    "min_participants",
)


class _Pending(NamedTuple):
    interviews: set[int]
    participants: set[int]
    workspaces: set[int]


def _pending_rows(session: Session) -> _Pending:
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = _Pending(set(), set(), set())
    return pending


def _note_written_rows(session: Session, _flush_context: Any) -> None:
    """After each flush: note what the flushed rows can move (the ORM still knows what changed)."""
    problems = touched_problems(session)
    pending = _pending_rows(session)
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Problem):
            problems.add(row.id or 0)
        elif isinstance(
            row,
            EvidenceItem
            | Assumption
            | AssumptionTest
            | Decision
            | InterviewProblem
            | KillCriteriaChange,
        ):
            # A row moved to another problem moves the old one's card too.
            problems.update([row.problem_id, *get_history(row, "problem_id").deleted])
        elif isinstance(row, Interview):
            pending.interviews.add(row.id or 0)
            pending.participants.update(get_history(row, "participant_id").deleted)
        elif isinstance(row, Participant):
            pending.participants.add(row.id or 0)
        elif isinstance(row, Segment):
            pending.workspaces.add(row.workspace_id)
        elif isinstance(row, Workspace) and any(
            get_history(row, name).has_changes() for name in _THRESHOLD_COLUMNS
        ):
            pending.workspaces.add(row.id or 0)
    problems.discard(None)
    pending.participants.discard(None)


def _touched_problems(session: Session) -> set[int]:
    """Every problem whose card the transaction's writes so far can have moved."""
    session.flush()
    problems = set(touched_problems(session))
    touched = _pending_rows(session)
    if touched.interviews:
        interviews = sorted(touched.interviews)
        problems.update(
            session.exec(
                select(InterviewProblem.problem_id).where(
                    col(InterviewProblem.interview_id).in_(interviews)
                )
            ).all()
        )
        problems.update(
            session.exec(
                select(EvidenceItem.problem_id).where(
                    col(EvidenceItem.interview_id).in_(interviews)
                )
            ).all()
        )
    if touched.participants:
        people = sorted(touched.participants)
        problems.update(
            session.exec(
                select(InterviewProblem.problem_id)
                .join(Interview, col(Interview.id) == col(InterviewProblem.interview_id))
                .where(col(Interview.participant_id).in_(people))
            ).all()
        )
        problems.update(
            session.exec(
                select(EvidenceItem.problem_id).where(col(EvidenceItem.participant_id).in_(people))
            ).all()
        )
    if touched.workspaces:
        # Segment weights and thresholds move every problem of the workspace.
        problems.update(
            session.exec(
                select(Problem.id).where(col(Problem.workspace_id).in_(touched.workspaces))
            ).all()  # type: ignore[arg-type]
        )
    return problems


def lock_problems(session: Session, problem_ids: Sequence[int]) -> None:
    """Serialise refreshes per problem until the transaction ends, always in the same order.

    Without it two transactions could each compute a card from their own snapshot and the last
    commit would win with a stale one. SQLite needs nothing: a writing transaction already holds
    the database's only write lock, taken when it began.
    """
    if not problem_ids or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:lock, pid)) FROM "
            "(SELECT unnest(CAST(:ids AS integer[])) AS pid ORDER BY pid) AS ordered"
        ),
        {"lock": SCORECARD_LOCK, "ids": sorted(problem_ids)},
    )


def refresh_touched(session: Session) -> None:
    """Just before commit: lock, recompute and store the cards this transaction's writes moved."""
    if TOUCHED_PROBLEMS not in session.info and PENDING_KEY not in session.info:
        return
    problem_ids = _touched_problems(session)
    _forget_touched(session)
    if not problem_ids:
        return
    by_workspace: dict[int, list[int]] = defaultdict(list)
    for problem_id, workspace_id in session.exec(
        select(Problem.id, Problem.workspace_id).where(col(Problem.id).in_(sorted(problem_ids)))
    ).all():
        by_workspace[workspace_id].append(problem_id or 0)
    for workspace_id, ids in sorted(by_workspace.items()):
        lock_problems(session, ids)
        # Read after the lock: another transaction's thresholds may have just been committed.
        workspace = session.exec(
            select(Workspace)
            .where(Workspace.id == workspace_id)
            .execution_options(populate_existing=True)
        ).one()
        refresh(session, workspace, ids)
    _forget_touched(session)


def _forget_touched(session: Session, *_: Any) -> None:
    session.info.pop(TOUCHED_PROBLEMS, None)
    session.info.pop(PENDING_KEY, None)


# Every session of the app (requests, CLI, imports, seeds) keeps its cards fresh this way.
event.listen(Session, "after_flush", _note_written_rows)
event.listen(Session, "before_commit", refresh_touched)
event.listen(Session, "after_commit", _forget_touched)
event.listen(Session, "after_rollback", _forget_touched)


def _pending(session: Session, problem_id: int) -> bool:
    """Has this transaction written something that can move the problem's card?"""
    if TOUCHED_PROBLEMS not in session.info and PENDING_KEY not in session.info:
        return False
    return problem_id in _touched_problems(session)


def store_missing_cards(session: Session, workspace: Workspace, problem_ids: Sequence[int]) -> bool:
    """Compute and store the cards of problems that never had one (rows written before cards
    were kept); says whether there were any."""
    if not problem_ids:
        return False
    stored = set(
        session.exec(
            select(ProblemScorecard.problem_id).where(
                col(ProblemScorecard.problem_id).in_(problem_ids)
            )
        ).all()
    )
    missing = [pid for pid in problem_ids if pid not in stored]
    if missing:
        lock_problems(session, missing)
        refresh(session, workspace, missing)
    return bool(missing)


def stored_card(*, session: Session, ctx: Any, problem: Problem) -> ProblemScorecard:
    """The stored card of a problem; computed first if missing, or if this very transaction
    moved it (a decision freezes the card it decides on)."""
    problem_id = problem.id or 0
    row = session.get(ProblemScorecard, problem_id)
    if row is None or not row.data or _pending(session, problem_id):
        lock_problems(session, [problem_id])
        refresh(session, ctx.workspace, [problem_id])
        row = session.exec(
            select(ProblemScorecard)
            .where(ProblemScorecard.problem_id == problem_id)
            .execution_options(populate_existing=True)
        ).one()
    return row


def current_scorecard(*, session: Session, ctx: Any, problem: Problem) -> Scorecard:
    """The stored scorecard of a problem (see stored_card)."""
    return Scorecard.model_validate(stored_card(session=session, ctx=ctx, problem=problem).data)


def trend_of(row: ProblemScorecard) -> list[TrendPoint]:
    """A stored card's trend, oldest first."""
    return [TrendPoint.model_validate(point) for point in row.trend]

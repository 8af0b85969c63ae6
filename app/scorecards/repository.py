"""Queries of scorecards: a problem's rows as plain scoring inputs (optionally as they were at
a moment), and the portfolio's headline figures. Always scoped by workspace."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    func,
    or_,
)
from sqlmodel import Session, col, select

from app.auth.models import User
from app.db import DomainRow, utcnow
from app.decisions.models import Decision
from app.enums import (
    AssumptionCategory,
    DecisionKind,
    Frequency,
    ProblemStatus,
    Recommendation,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.experiments.models import Assumption, AssumptionTest
from app.kit.rows import Page, paginate
from app.problems.models import KillCriteriaChange, Problem
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.scorecards.models import PortfolioFilters, ProblemScorecard, ProblemSummary
from app.scoring import inputs as si
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Membership, Workspace

THRESHOLD_NAMES = ("pain", "reach", "feasibility", "min_participants")

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


def problems_not_stored(session: Session, workspace_id: int) -> list[int]:
    """Problems without a stored card or summary (written before either was kept).

    Read from the workspace indexes alone (the cards are tens of kB each), and first only
    counted: a card and a summary exist for every problem almost always."""

    def stored(model: Any) -> Any:
        return select(model.problem_id).where(model.workspace_id == workspace_id)

    def count(model: Any) -> int:
        stmt: Any = select(func.count()).where(model.workspace_id == workspace_id)
        return int(session.exec(stmt.select_from(model)).one())

    problems = count(Problem)
    if count(ProblemSummary) == problems and count(ProblemScorecard) == problems:
        return []
    stmt: Any = select(Problem.id).where(
        Problem.workspace_id == workspace_id,
        or_(
            col(Problem.id).not_in(stored(ProblemScorecard)),
            col(Problem.id).not_in(stored(ProblemSummary)),
        ),
    )
    return list(session.exec(stmt).all())


def decision_review_dates(session: Session, ids: Sequence[int]) -> dict[int, date | None]:
    """The review date of each of these decisions."""
    if not ids:
        return {}
    rows = session.exec(
        select(Decision.id, Decision.review_on).where(col(Decision.id).in_(ids))  # type: ignore[type-var]
    ).all()
    return {decision_id or 0: review_on for decision_id, review_on in rows}


# The portfolio's columns, named as PortfolioRow's fields, from the problems' narrow summaries
# (the cards are tens of kB of JSON each); rows read by position cost far less than by name.
PORTFOLIO_COLUMNS: dict[str, Any] = {
    "problem_id": Problem.id,
    "title": Problem.title,
    "status": Problem.status,
    "owner_id": Problem.owner_id,
    "pain": ProblemSummary.pain,
    "reach": ProblemSummary.reach,
    "reach_upper": ProblemSummary.reach_upper,
    "feasibility": ProblemSummary.feasibility,
    "confidence": ProblemSummary.confidence,
    "recommendation": ProblemSummary.recommendation,
    "participants": ProblemSummary.participants,
    "evidence_items": ProblemSummary.evidence_items,
    "kill_pain": Problem.kill_pain,
    "kill_reach": Problem.kill_reach,
    "flags": ProblemSummary.flags,  # last: the CSV export joins it
}

_SORT_COLUMNS: dict[str, Any] = {
    "pain": ProblemSummary.pain,
    "reach": ProblemSummary.reach,
    "feasibility": ProblemSummary.feasibility,
    "participants": ProblemSummary.participants,
    "title": func.lower(Problem.title),
    "updated": Problem.id,
}


def _portfolio_where(ctx: WorkspaceContext, f: PortfolioFilters) -> list[Any]:
    card = ProblemSummary
    conditions: list[Any] = [Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None)]
    if f.status is not None:
        conditions.append(Problem.status == f.status)
    elif not f.include_archived:
        conditions.append(Problem.status != ProblemStatus.archived)
    if f.owner_id is not None:
        conditions.append(Problem.owner_id == f.owner_id)
    if f.recommendation is not None:
        conditions.append(card.recommendation == f.recommendation.value)
    if f.q:
        conditions.append(col(Problem.title).icontains(f.q, autoescape=True))
    for column, low, high in (
        (card.pain, f.pain_min, f.pain_max),
        (card.reach, f.reach_min, f.reach_max),
    ):
        if low is not None:
            conditions.append(col(column) >= low)
        if high is not None:
            conditions.append(col(column) < high)
    if f.segment_id is not None:
        with_segment = (
            select(EvidenceItem.problem_id)
            .join(Participant, col(Participant.id) == col(EvidenceItem.participant_id))
            .where(
                EvidenceItem.workspace_id == ctx.id,
                Participant.segment_id == f.segment_id,
                col(EvidenceItem.deleted_at).is_(None),
            )
        )
        conditions.append(col(Problem.id).in_(with_segment))
    return conditions


def portfolio_order(sort: str, descending: bool) -> tuple[Any, Any]:
    """The portfolio's order: by one figure, ties by problem id in the same direction."""
    key, tie = _SORT_COLUMNS[sort], col(Problem.id)
    return (key.desc(), tie.desc()) if descending else (key.asc(), tie.asc())


def portfolio_select(ctx: WorkspaceContext, f: PortfolioFilters) -> Any:
    """The problems that match, with their stored headline figures."""
    return (
        select(*PORTFOLIO_COLUMNS.values())
        .join(ProblemSummary, col(ProblemSummary.problem_id) == col(Problem.id))
        .where(*_portfolio_where(ctx, f))
    )


def portfolio_page(
    session: Session,
    ctx: WorkspaceContext,
    f: PortfolioFilters,
    *,
    sort: str,
    descending: bool,
    page: Page,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the portfolio as dicts of PortfolioRow's fields, and its total."""
    order = portfolio_order(sort, descending)
    rows, total = paginate(session, portfolio_select(ctx, f), page, order_by=order)
    return [dict(zip(PORTFOLIO_COLUMNS, row, strict=True)) for row in rows], total


def portfolio_points(
    session: Session, ctx: WorkspaceContext, f: PortfolioFilters
) -> list[tuple[float, float, str]]:
    """(pain, reach, recommendation) of every problem that matches: three narrow columns."""
    summary = ProblemSummary
    stmt: Any = (
        select(summary.pain, summary.reach, summary.recommendation)
        .select_from(Problem)
        .join(summary, col(summary.problem_id) == col(Problem.id))
        .where(*_portfolio_where(ctx, f))
    )
    return list(session.exec(stmt).all())

"""Scorecards kept fresh: compute a problem's card, store it with its trend so reads never
recompute, and refresh the cards a transaction's writes moved just before it commits.

No write refreshes a card by hand: every session notes what its flushed rows can move, and just
before it commits recomputes those problems' cards under a per-problem lock, so the stored card
always equals a fresh computation.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    delete,
    event,
    insert,
    text,
    update,
)
from sqlalchemy.orm.attributes import get_history
from sqlmodel import Session, col, select

from app.db import TOUCHED_PROBLEMS, touched_problems
from app.decisions.models import Decision
from app.enums import Recommendation, Stance, TestStatus
from app.experiments.models import Assumption, AssumptionTest
from app.kit.csv import csv_text
from app.kit.rows import Page
from app.problems.models import KillCriteriaChange, Problem
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant, Segment
from app.scorecards import repository
from app.scorecards.models import (
    HistoryPoint,
    Portfolio,
    PortfolioCell,
    PortfolioFilters,
    PortfolioRow,
    ProblemScorecard,
    ProblemSummary,
    SortKey,
)
from app.scorecards.repository import load_inputs
from app.scoring.engine import compute_scorecard
from app.scoring.inputs import DecisionIn, ScoringInput
from app.scoring.scorecard import Scorecard
from app.scoring.trend import MonthPoint, research_trend
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Workspace

# Enough points for a sparkline; older ones drop off.
TREND_POINTS = 24


def _extended(trend: list[dict[str, Any]], point: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend with this point added, unless the figures did not move."""
    figures = ("pain", "reach", "feasibility", "confidence", "recommendation")
    if trend and all(trend[-1].get(name) == point[name] for name in figures):
        return trend
    return [*trend, point][-TREND_POINTS:]


def scorecard_history(
    *,
    session: Session,
    workspace: Workspace,
    problem: Problem,
    start: datetime,
    end: datetime,
    points: int,
) -> list[HistoryPoint]:
    """The problem's headline figures at `points` evenly spaced moments from start to end,
    each computed from the rows that existed then."""
    step = (end - start) / (points - 1)
    return [
        HistoryPoint.of(
            compute(session=session, workspace=workspace, problem=problem, as_of=start + step * i)
        )
        for i in range(points)
    ]


def compute(
    *, session: Session, workspace: Workspace, problem: Problem, as_of: datetime | None = None
) -> Scorecard:
    """A fresh scorecard of one problem, from the rows that existed at `as_of` (default now)."""
    return compute_scorecard(load_inputs(session, workspace, [problem], as_of)[problem.id or 0])


# ---- the stored current scorecards ----------------------------------------------------------


def headlines(card: Scorecard) -> dict[str, Any]:
    """A card's headline figures, as the stored card and the problem's summary keep them."""
    return {
        "pain": card.pain.value,
        "reach": card.reach.value,
        "reach_upper": card.reach.upper,
        "feasibility": card.feasibility.value,
        "confidence": card.confidence.level.value,
        "recommendation": card.recommendation.value.value,
        "participants": card.counts.participants,
        "evidence_items": card.counts.evidence_items,
        "flags": [flag.code.value for flag in card.flags],
    }


def card_values(card: Scorecard, trend: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The columns of a problem's stored card, but its ids; `trend` is the stored trend, None
    when the problem has no card yet."""
    return headlines(card) | {
        "computed_at": card.as_of,
        "data": card.model_dump(mode="json"),
        "trend": _extended(trend or [], HistoryPoint.of(card).model_dump(mode="json")),
    }


def _store(
    session: Session, workspace_id: int, card: Scorecard, trend: list[dict[str, Any]] | None
) -> None:
    """Write a problem's card in place, without reading the old one (tens of kB of JSON) first;
    `trend` is the stored trend, None when the problem has no card yet."""
    values = card_values(card, trend)
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


def last_decision(inp: ScoringInput) -> DecisionIn | None:
    """The decision in force: the latest (of two at the same instant, the later id)."""
    return max(inp.decisions, key=lambda d: (d.decided_at, d.id), default=None)


def summary_of(
    inp: ScoringInput, card: Scorecard, problem: Problem, review_on: dict[int, Any]
) -> dict[str, Any]:
    """A problem's summary row: its card's headline figures and what changed since its last
    decision (everything when never decided), from the same inputs as the card; `review_on`
    holds the review date of each decision."""
    last = last_decision(inp)
    since = last.decided_at if last is not None else None
    by_signal: dict[str, int] = {}
    supporting = behavioural = 0
    for item in inp.evidence:
        if since is not None and item.logged_at <= since:
            continue
        by_signal[item.signal.value] = by_signal.get(item.signal.value, 0) + 1
        supporting += item.signal.stance == Stance.supports
        behavioural += item.signal.is_behavioural
    new_tests = sum(
        1
        for t in inp.tests
        if t.status == TestStatus.concluded
        and t.concluded_at is not None
        and (since is None or t.concluded_at > since)
    )
    due_on = review_on.get(last.id) if last is not None else None
    # A decision taken on or after the review-by date was that review.
    review_by = problem.review_by
    if due_on is None and review_by is not None and (since is None or since.date() < review_by):
        due_on = review_by
    total = sum(by_signal.values())
    return headlines(card) | {
        "problem_id": inp.problem.id,
        "workspace_id": problem.workspace_id,
        "last_decision_id": last.id if last is not None else None,
        "decided_at": since,
        "recommendation_changed": last is not None
        and last.recommendation is not None
        and last.recommendation != card.recommendation.value,
        "due_on": due_on,
        "new_evidence": total,
        "supporting": supporting,
        "contradicting": total - supporting,
        "behavioural": behavioural,
        "by_signal": by_signal,
        "new_tests": new_tests,
    }


def _store_summaries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace these problems' summary rows (Core statements: no row is read first)."""
    if not rows:
        return
    session.exec(
        delete(ProblemSummary).where(
            col(ProblemSummary.problem_id).in_([row["problem_id"] for row in rows])
        )
    )
    session.execute(insert(ProblemSummary), rows)


# Problems scored per batch: small enough that the participants of a batch stay well under
# SQLite's limit of bound parameters in one IN (...) list.
REFRESH_CHUNK = 100


def refresh(*, session: Session, workspace: Workspace, problem_ids: Iterable[int]) -> None:
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
        lasts = [last_decision(inp) for inp in inputs.values()]
        review_on = repository.decision_review_dates(session, [d.id for d in lasts if d])
        by_id = {p.id: p for p in problems}
        summaries = []
        # New cards are inserted together at the next flush, not one by one before each update.
        with session.no_autoflush:
            for inp in inputs.values():
                card = compute_scorecard(inp)
                _store(session, workspace.id or 0, card, trends.get(card.problem_id))
                summaries.append(summary_of(inp, card, by_id[card.problem_id], review_on))
        _store_summaries(session, summaries)
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


def lock_problems(*, session: Session, problem_ids: Sequence[int]) -> None:
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
        lock_problems(session=session, problem_ids=ids)
        # Read after the lock: another transaction's thresholds may have just been committed.
        workspace = session.exec(
            select(Workspace)
            .where(Workspace.id == workspace_id)
            .execution_options(populate_existing=True)
        ).one()
        refresh(session=session, workspace=workspace, problem_ids=ids)
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


def store_missing_cards(
    *, session: Session, workspace: Workspace, problem_ids: Sequence[int]
) -> bool:
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
        lock_problems(session=session, problem_ids=missing)
        refresh(session=session, workspace=workspace, problem_ids=missing)
    return bool(missing)


def store_missing(*, session: Session, workspace: Workspace) -> None:
    """Store the card and review row of every live problem of the workspace that lacks one, so
    the portfolio and the review queue can page, sort and count in SQL."""
    missing = repository.problems_not_stored(session, workspace.id or 0)
    if missing:
        lock_problems(session=session, problem_ids=missing)
        refresh(session=session, workspace=workspace, problem_ids=missing)


def stored_card(*, session: Session, ctx: Any, problem: Problem) -> ProblemScorecard:
    """The stored card of a problem; computed first if missing, or if this very transaction
    moved it (a decision freezes the card it decides on)."""
    problem_id = problem.id or 0
    row = session.get(ProblemScorecard, problem_id)
    if row is None or not row.data or _pending(session, problem_id):
        lock_problems(session=session, problem_ids=[problem_id])
        refresh(session=session, workspace=ctx.workspace, problem_ids=[problem_id])
        row = session.exec(
            select(ProblemScorecard)
            .where(ProblemScorecard.problem_id == problem_id)
            .execution_options(populate_existing=True)
        ).one()
    return row


def current_scorecard(*, session: Session, ctx: Any, problem: Problem) -> Scorecard:
    """The stored scorecard of a problem (see stored_card)."""
    return Scorecard.model_validate(stored_card(session=session, ctx=ctx, problem=problem).data)


def trend_of(row: ProblemScorecard) -> list[HistoryPoint]:
    """A stored card's trend, oldest first."""
    return [HistoryPoint.model_validate(point) for point in row.trend]


def portfolio_page(
    *,
    session: Session,
    ctx: WorkspaceContext,
    filters: PortfolioFilters,
    sort: SortKey = "pain",
    descending: bool = True,
    page: Page,
) -> Portfolio:
    """One page of the problems that match, with their stored headline figures, paged, sorted
    and filtered in SQL; cards never stored are stored first."""
    store_missing(session=session, workspace=ctx.workspace)
    rows, total = repository.portfolio_page(
        session, ctx, filters, sort=sort, descending=descending, page=page
    )
    return Portfolio(
        items=[PortfolioRow(**row) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


# The chart draws one bubble per problem up to this many, then counts them per grid cell.
MAX_BUBBLES = 150
# A grid cell spans this much pain and reach (the scores run from 0 to 100).
CELL = 10


def cell_of(score: float) -> int:
    """Which cell of the grid a score from 0 to 100 falls in, 0 to 9 (100 in the last)."""
    return min(max(int(score // CELL), 0), 100 // CELL - 1)


class PortfolioChart(NamedTuple):
    total: int
    bubbles: list[PortfolioRow]  # one per problem, when there are few enough
    cells: list[PortfolioCell]  # otherwise, counts per cell


def portfolio_chart(
    *, session: Session, ctx: WorkspaceContext, filters: PortfolioFilters
) -> PortfolioChart:
    """What the pain x reach chart draws: every problem, or counts per cell when there are too
    many to draw one by one (a page stays small however large the workspace)."""
    store_missing(session=session, workspace=ctx.workspace)
    counts: dict[tuple[int, int], Counter[Recommendation]] = defaultdict(Counter)
    for pain, reach, recommendation in repository.portfolio_points(session, ctx, filters):
        # Binned here rather than in SQL: portable, and a tenth means exactly what the
        # table's filters of a cell mean (at least its low bound, below its high one).
        counts[cell_of(pain), cell_of(reach)][Recommendation(recommendation)] += 1
    total = sum(c.total() for c in counts.values())
    if total <= MAX_BUBBLES:
        rows, _ = repository.portfolio_page(
            session,
            ctx,
            filters,
            sort="feasibility",
            descending=True,
            page=Page(limit=MAX_BUBBLES, offset=0),
        )
        return PortfolioChart(total, [PortfolioRow(**row) for row in rows], [])
    cells = [
        PortfolioCell(
            pain_min=pain * CELL,
            pain_max=(pain + 1) * CELL,
            reach_min=reach * CELL,
            reach_max=(reach + 1) * CELL,
            count=by_recommendation.total(),
            by_recommendation=dict(by_recommendation),
        )
        for (pain, reach), by_recommendation in sorted(counts.items())
    ]
    return PortfolioChart(total, [], cells)


# Rows of the CSV export read and written at a time.
CSV_CHUNK = 500


def portfolio_csv(
    *,
    engine: Engine,
    ctx: WorkspaceContext,
    filters: PortfolioFilters,
    sort: SortKey = "pain",
    descending: bool = True,
) -> Iterator[str]:
    """Every problem that matches as CSV, written a chunk of rows at a time from a session of
    its own (the request's has ended by the time a streamed answer is read)."""
    yield csv_text([list(repository.PORTFOLIO_COLUMNS)])
    stmt = repository.portfolio_select(ctx, filters).order_by(
        *repository.portfolio_order(sort, descending)
    )
    with Session(engine) as session:
        result = session.execute(stmt.execution_options(yield_per=CSV_CHUNK))
        for chunk in result.partitions():
            yield csv_text([*row[:-1], ";".join(row[-1])] for row in chunk)


def research_trend_of(
    *, session: Session, workspace: Workspace, problem: Problem
) -> list[MonthPoint]:
    """The problem's scores month by month, by the date its evidence was gathered."""
    return research_trend(load_inputs(session, workspace, [problem])[problem.id or 0])

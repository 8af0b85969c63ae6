"""Queries of the decisions domain, always scoped by workspace."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from app.auth.models import User
from app.decisions.models import Decision
from app.enums import ProblemStatus, TestStatus
from app.experiments.models import Assumption, AssumptionTest
from app.kit.rows import Page, paginate
from app.problems.models import Problem
from app.research.models import EvidenceItem, Interview, Participant, Segment
from app.scorecards.models import ProblemSummary
from app.workspaces.deps import WorkspaceContext


def decisions_of(session: Session, ctx: WorkspaceContext, problem_id: int) -> list[Decision]:
    """A problem's decisions, oldest first."""
    return list(
        session.exec(
            select(Decision)
            .where(
                Decision.workspace_id == ctx.id,
                Decision.problem_id == problem_id,
                col(Decision.deleted_at).is_(None),
            )
            .order_by(col(Decision.created_at), col(Decision.id))
        ).all()
    )


def decisions_page(
    session: Session, ctx: WorkspaceContext, problem_id: int, *, offset: int, limit: int
) -> tuple[list[Decision], int]:
    """One page of a problem's decisions, newest first, and their total, in one query."""
    live = (
        Decision.workspace_id == ctx.id,
        Decision.problem_id == problem_id,
        col(Decision.deleted_at).is_(None),
    )
    rows = session.exec(
        select(Decision, func.count().over())
        .where(*live)
        .order_by(col(Decision.created_at).desc(), col(Decision.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    if not rows:
        total = session.exec(select(func.count()).where(*live)).one() if offset else 0
        return [], int(total)
    return [decision for decision, _ in rows], int(rows[0][1])


def decision_times(
    session: Session, ctx: WorkspaceContext, problem_ids: Sequence[int]
) -> list[tuple[int, int, datetime]]:
    """(problem id, decision id, decided at) of every decision of these problems."""
    if not problem_ids:
        return []
    rows = session.exec(
        select(Decision.problem_id, Decision.id, Decision.created_at).where(
            Decision.workspace_id == ctx.id,
            col(Decision.problem_id).in_(problem_ids),
            col(Decision.deleted_at).is_(None),
        )
    ).all()
    return [(problem_id, decision_id or 0, at) for problem_id, decision_id, at in rows]


def user_names(session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    """Display names (the e-mail when no name is set) of these users."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id or 0: u.name or u.email for u in users}


def evidence_with_sources(
    session: Session, ctx: WorkspaceContext, problem_id: int
) -> list[tuple[EvidenceItem, Participant | None, Segment | None, Interview | None]]:
    """A problem's live evidence with its participant, segment and interview (if still live)."""
    rows = session.exec(
        select(EvidenceItem, Participant, Segment, Interview)
        .outerjoin(
            Participant,
            (col(Participant.id) == col(EvidenceItem.participant_id))
            & col(Participant.deleted_at).is_(None),
        )
        .outerjoin(
            Segment,
            (col(Segment.id) == col(Participant.segment_id)) & col(Segment.deleted_at).is_(None),
        )
        .outerjoin(Interview, col(Interview.id) == col(EvidenceItem.interview_id))
        .where(
            EvidenceItem.workspace_id == ctx.id,
            EvidenceItem.problem_id == problem_id,
            col(EvidenceItem.deleted_at).is_(None),
        )
        .order_by(col(EvidenceItem.id))
    ).all()
    live: list[tuple[EvidenceItem, Participant | None, Segment | None, Interview | None]] = []
    for item, participant, segment, interview in rows:
        # Evidence of a deleted interview or participant no longer counts, as in scoring.
        if item.interview_id is not None and (interview is None or interview.deleted_at):
            continue
        if item.participant_id is not None and participant is None:
            continue
        live.append((item, participant, segment, interview))
    return live


def tests_with_assumptions(
    session: Session, ctx: WorkspaceContext, problem_id: int
) -> list[tuple[AssumptionTest, Assumption]]:
    """A problem's live tests with the assumption each tests, by assumption then test."""
    return list(
        session.exec(
            select(AssumptionTest, Assumption)
            .join(Assumption, col(Assumption.id) == col(AssumptionTest.assumption_id))
            .where(
                AssumptionTest.workspace_id == ctx.id,
                AssumptionTest.problem_id == problem_id,
                col(AssumptionTest.deleted_at).is_(None),
                col(Assumption.deleted_at).is_(None),
            )
            .order_by(col(Assumption.id), col(AssumptionTest.id))
        ).all()
    )


# ---- the review queue --------------------------------------------------------------------------


def review_page(
    session: Session, ctx: WorkspaceContext, *, today: date, page: Page
) -> tuple[list[tuple[ProblemSummary, Problem]], int]:
    """One page of the queue from the problems' stored summaries, and its total: live, open problems
    whose recommendation changed, whose review date has come, or that gained tests or evidence
    since their last decision; the most pressing reason first, then the most new material."""
    review = ProblemSummary
    due = col(review.due_on).is_not(None) & (col(review.due_on) <= today)
    changed = col(review.recommendation_changed).is_(True)
    new_tests, new_evidence = col(review.new_tests) > 0, col(review.new_evidence) > 0
    # The index of the first reason in the order the queue is sorted in.
    first_reason = case((changed, 0), (due, 1), (new_tests, 2), (new_evidence, 3), else_=4)
    stmt: Any = (
        select(review, Problem)
        .join(Problem, col(Problem.id) == col(review.problem_id))
        .where(
            review.workspace_id == ctx.id,
            Problem.workspace_id == ctx.id,
            col(Problem.deleted_at).is_(None),
            Problem.status != ProblemStatus.archived,
            or_(changed, due, new_tests, new_evidence),
        )
    )
    order = (
        first_reason,
        (col(review.new_evidence) + col(review.new_tests)).desc(),
        col(review.problem_id),
    )
    rows, total = paginate(session, stmt, page, order_by=order)
    return [(row[0], row[1]) for row in rows], total


def tests_concluded_since(
    session: Session, ctx: WorkspaceContext, since: dict[int, datetime | None]
) -> list[tuple[AssumptionTest, Assumption]]:
    """Live tests of these problems concluded after the moment given for each (any time when
    None), oldest first."""
    if not since:
        return []
    rows = session.exec(
        select(AssumptionTest, Assumption)
        .join(Assumption, col(Assumption.id) == col(AssumptionTest.assumption_id))
        .where(
            AssumptionTest.workspace_id == ctx.id,
            col(AssumptionTest.problem_id).in_(list(since)),
            col(AssumptionTest.deleted_at).is_(None),
            AssumptionTest.status == TestStatus.concluded,
        )
        .order_by(col(AssumptionTest.concluded_at), col(AssumptionTest.id))
    ).all()
    return [
        (test, assumption)
        for test, assumption in rows
        if test.concluded_at is not None
        and ((at := since[test.problem_id]) is None or test.concluded_at > at)
    ]

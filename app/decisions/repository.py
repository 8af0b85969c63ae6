"""Queries of the decisions domain, always scoped by workspace."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.auth.models import User
from app.decisions.models import Decision
from app.enums import ProblemStatus, TestStatus
from app.experiments.models import Assumption, AssumptionTest
from app.problems.models import Problem
from app.research.models import EvidenceItem, Interview, Participant, Segment
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


def problems_under_review(session: Session, ctx: WorkspaceContext) -> list[Problem]:
    """Live problems that are not archived."""
    return list(
        session.exec(
            select(Problem)
            .where(
                Problem.workspace_id == ctx.id,
                col(Problem.deleted_at).is_(None),
                Problem.status != ProblemStatus.archived,
            )
            .order_by(col(Problem.id))
        ).all()
    )


def _last_decided_at(ctx: WorkspaceContext) -> Any:
    return (
        select(Decision.problem_id, func.max(Decision.created_at).label("at"))
        .where(Decision.workspace_id == ctx.id, col(Decision.deleted_at).is_(None))
        .group_by(col(Decision.problem_id))
        .subquery()
    )


def latest_decisions(
    session: Session, ctx: WorkspaceContext, problem_ids: Sequence[int]
) -> dict[int, Decision]:
    """The decision in force for each of these problems: the latest one."""
    if not problem_ids:
        return {}
    last = _last_decided_at(ctx)
    rows = session.exec(
        select(Decision)
        .join(
            last,
            (last.c.problem_id == col(Decision.problem_id))
            & (last.c.at == col(Decision.created_at)),
        )
        .where(
            Decision.workspace_id == ctx.id,
            col(Decision.problem_id).in_(problem_ids),
            col(Decision.deleted_at).is_(None),
        )
        .order_by(col(Decision.id))
    ).all()
    # Two decisions at the same instant: the later id wins.
    return {d.problem_id: d for d in rows}


def evidence_since_decision(
    session: Session, ctx: WorkspaceContext, problem_ids: Sequence[int]
) -> list[tuple[int, str, int]]:
    """(problem id, signal, count) of live evidence logged after each problem's last decision
    (all of it when the problem was never decided)."""
    if not problem_ids:
        return []
    last = _last_decided_at(ctx)
    rows = session.exec(
        select(EvidenceItem.problem_id, EvidenceItem.signal, func.count())
        .outerjoin(last, last.c.problem_id == col(EvidenceItem.problem_id))
        .where(
            EvidenceItem.workspace_id == ctx.id,
            col(EvidenceItem.deleted_at).is_(None),
            or_(last.c.at.is_(None), col(EvidenceItem.created_at) > last.c.at),
        )
        .group_by(col(EvidenceItem.problem_id), col(EvidenceItem.signal))
    ).all()
    # The workspace's other problems (archived, deleted) are left out here, not in SQL.
    wanted = set(problem_ids)
    return [
        (problem_id, str(signal), int(count))
        for problem_id, signal, count in rows
        if problem_id in wanted
    ]


def tests_concluded_since_decision(
    session: Session, ctx: WorkspaceContext, problem_ids: Sequence[int]
) -> list[tuple[AssumptionTest, Assumption]]:
    """Live tests concluded after each problem's last decision (all when never decided)."""
    if not problem_ids:
        return []
    last = _last_decided_at(ctx)
    return list(
        session.exec(
            select(AssumptionTest, Assumption)
            .join(Assumption, col(Assumption.id) == col(AssumptionTest.assumption_id))
            .outerjoin(last, last.c.problem_id == col(AssumptionTest.problem_id))
            .where(
                AssumptionTest.workspace_id == ctx.id,
                col(AssumptionTest.problem_id).in_(problem_ids),
                col(AssumptionTest.deleted_at).is_(None),
                AssumptionTest.status == TestStatus.concluded,
                or_(last.c.at.is_(None), col(AssumptionTest.concluded_at) > last.c.at),
            )
            .order_by(col(AssumptionTest.concluded_at), col(AssumptionTest.id))
        ).all()
    )

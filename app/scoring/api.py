"""JSON routes of scorecards, their history, the portfolio and the workspace thresholds."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from app.db import SessionDep, utcnow
from app.enums import ProblemStatus, Recommendation
from app.errors import InvalidInput
from app.problems.models import Problem
from app.rows import get_row, update_row
from app.scoring import store
from app.scoring.scorecard import Scorecard
from app.validation import Id, Input, Version
from app.workspaces.deps import AdminDep, WorkspaceDep

router = APIRouter(prefix="/workspaces/{ws}", tags=["scorecards"])


@router.get(
    "/problems/{problem_id}/scorecard", response_model=Scorecard, summary="A problem's scorecard"
)
def get_scorecard(
    ctx: WorkspaceDep,
    session: SessionDep,
    problem_id: Id,
    as_of: Annotated[
        datetime | None, Query(description="Score the data as it was at this moment.")
    ] = None,
) -> Any:
    problem = get_row(session, Problem, ctx, problem_id, include_deleted=True)
    if as_of is None:
        return store.current_scorecard(session=session, ctx=ctx, problem=problem)
    return store.compute(session, ctx.workspace, problem, as_of=_aware(as_of))


class HistoryPoint(BaseModel):
    at: datetime
    pain: float
    reach: float
    feasibility: float
    confidence: str
    recommendation: Recommendation


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get(
    "/problems/{problem_id}/scorecard/history",
    response_model=list[HistoryPoint],
    summary="A problem's scores over time",
)
def scorecard_history(
    ctx: WorkspaceDep,
    session: SessionDep,
    problem_id: Id,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    points: Annotated[int, Query(ge=2, le=100)] = 12,
) -> Any:
    problem = get_row(session, Problem, ctx, problem_id, include_deleted=True)
    end = _aware(to) if to else utcnow()
    start = _aware(from_) if from_ else min(problem.created_at, end - timedelta(days=1))
    if start >= end:
        raise InvalidInput(
            "from: must be before to.", details=[{"field": "from", "message": "after to"}]
        )
    step = (end - start) / (points - 1)
    result = []
    for i in range(points):
        card = store.compute(session, ctx.workspace, problem, as_of=start + step * i)
        result.append(
            HistoryPoint(
                at=card.as_of,
                pain=card.pain.value,
                reach=card.reach.value,
                feasibility=card.feasibility.value,
                confidence=card.confidence.level.value,
                recommendation=card.recommendation.value,
            )
        )
    return result


class PortfolioRow(BaseModel):
    problem_id: int
    title: str
    status: ProblemStatus
    owner_id: int | None
    pain: float
    reach: float
    reach_upper: float
    feasibility: float
    confidence: str
    recommendation: Recommendation
    participants: int
    evidence_items: int
    flags: list[str]


class Portfolio(BaseModel):
    items: list[PortfolioRow]
    total: int


SortKey = Literal["pain", "reach", "feasibility", "title", "participants", "updated"]


@router.get("/portfolio", response_model=Portfolio, summary="Every open problem with its scores")
def portfolio(
    ctx: WorkspaceDep,
    session: SessionDep,
    recommendation: Recommendation | None = None,
    status: ProblemStatus | None = None,
    owner_id: Id | None = None,
    segment_id: Annotated[
        Id | None, Query(description="Problems with evidence from this segment.")
    ] = None,
    sort: SortKey = "pain",
    descending: bool = True,
    include_archived: bool = False,
) -> Any:
    rows = portfolio_rows(
        session,
        ctx,
        recommendation=recommendation,
        status=status,
        owner_id=owner_id,
        segment_id=segment_id,
        sort=sort,
        descending=descending,
        include_archived=include_archived,
    )
    return Portfolio(items=rows, total=len(rows))


def portfolio_rows(
    session: SessionDep,
    ctx: Any,
    *,
    recommendation: Recommendation | None = None,
    status: ProblemStatus | None = None,
    owner_id: int | None = None,
    segment_id: int | None = None,
    sort: SortKey = "pain",
    descending: bool = True,
    include_archived: bool = False,
) -> list[PortfolioRow]:
    """Problems with their stored scorecards, filtered and sorted; missing cards are computed."""
    conditions = [Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None)]
    if status is not None:
        conditions.append(Problem.status == status)
    elif not include_archived:
        conditions.append(Problem.status != ProblemStatus.archived)
    if owner_id is not None:
        conditions.append(Problem.owner_id == owner_id)
    if segment_id is not None:
        from app.research.models import EvidenceItem, Participant

        with_segment = (
            select(EvidenceItem.problem_id)
            .join(Participant, col(Participant.id) == col(EvidenceItem.participant_id))
            .where(
                EvidenceItem.workspace_id == ctx.id,
                Participant.segment_id == segment_id,
                col(EvidenceItem.deleted_at).is_(None),
            )
        )
        conditions.append(col(Problem.id).in_(with_segment))
    card = store.ProblemScorecard
    # Headline columns only, named as the row's fields: the full card (`data`) is tens of kB
    # of JSON per problem, and rows read by position cost far less than rows read by name.
    columns = {
        "problem_id": Problem.id,
        "title": Problem.title,
        "status": Problem.status,
        "owner_id": Problem.owner_id,
        "pain": card.pain,
        "reach": card.reach,
        "reach_upper": card.reach_upper,
        "feasibility": card.feasibility,
        "confidence": card.confidence,
        "recommendation": card.recommendation,
        "participants": card.participants,
        "evidence_items": card.evidence_items,
        "flags": card.flags,
    }
    stmt: Any = (
        select(*columns.values())  # type: ignore[type-var]
        .outerjoin(card, col(card.problem_id) == col(Problem.id))
        .where(*conditions)
    )

    def headlines() -> list[dict[str, Any]]:
        return [dict(zip(columns, row, strict=True)) for row in session.exec(stmt)]

    found = headlines()
    missing = [r["problem_id"] for r in found if r["pain"] is None]
    if missing:
        store.refresh(session, ctx.workspace, missing)
        found = headlines()
    rows = [
        PortfolioRow(**r)
        for r in found
        if recommendation is None or r["recommendation"] == recommendation
    ]
    key = {
        "pain": lambda r: (r.pain, r.problem_id),
        "reach": lambda r: (r.reach, r.problem_id),
        "feasibility": lambda r: (r.feasibility, r.problem_id),
        "participants": lambda r: (r.participants, r.problem_id),
        "title": lambda r: (r.title.lower(), r.problem_id),
        "updated": lambda r: (r.problem_id, 0),
    }[sort]
    rows.sort(key=key, reverse=descending)
    return rows


class ScoringSettings(BaseModel):
    pain_threshold: float
    reach_threshold: float
    feasibility_threshold: float
    min_participants: int
    version: int


class ScoringSettingsUpdate(Input):
    version: Version
    pain_threshold: float | None = Field(default=None, ge=0, le=100)
    reach_threshold: float | None = Field(default=None, ge=0, le=100)
    feasibility_threshold: float | None = Field(default=None, ge=0, le=100)
    min_participants: int | None = Field(default=None, ge=1, le=10_000)


def _settings_of(ws: Any) -> ScoringSettings:
    return ScoringSettings(
        pain_threshold=ws.pain_threshold,
        reach_threshold=ws.reach_threshold,
        feasibility_threshold=ws.feasibility_threshold,
        min_participants=ws.min_participants,
        version=ws.version,
    )


@router.get("/settings/scoring", response_model=ScoringSettings, summary="Scoring thresholds")
def get_scoring_settings(ctx: AdminDep) -> Any:
    return _settings_of(ctx.workspace)


@router.patch(
    "/settings/scoring", response_model=ScoringSettings, summary="Change scoring thresholds"
)
def update_scoring_settings(
    ctx: AdminDep, session: SessionDep, payload: ScoringSettingsUpdate
) -> Any:
    workspace = ctx.workspace
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    current = _settings_of(workspace).model_dump
    update_row(session, ctx, workspace, changes, version=payload.version, current=current)
    store.refresh_after_write(session, ctx, workspace)
    return _settings_of(workspace)

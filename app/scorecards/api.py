"""JSON routes of scorecards: a problem's card (now or as it was), its history, the portfolio."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep, utcnow
from app.enums import (
    ProblemStatus,
    Recommendation,
)
from app.errors import InvalidInput
from app.problems.deps import ProblemDep
from app.scorecards import service
from app.scorecards.models import HistoryPoint, Portfolio, SortKey
from app.scoring.scorecard import Scorecard
from app.validation import Id
from app.workspaces.deps import WorkspaceDep

router = APIRouter(prefix="/workspaces/{ws}", tags=["scorecards"])


@router.get(
    "/problems/{problem_id}/scorecard", response_model=Scorecard, summary="A problem's scorecard"
)
def get_scorecard(
    ctx: WorkspaceDep,
    session: SessionDep,
    problem: ProblemDep,
    as_of: Annotated[
        datetime | None, Query(description="Score the data as it was at this moment.")
    ] = None,
) -> Any:
    if as_of is None:
        return service.current_scorecard(session=session, ctx=ctx, problem=problem)
    return service.compute(
        session=session, workspace=ctx.workspace, problem=problem, as_of=_aware(as_of)
    )


def _aware(moment: datetime) -> datetime:

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get(
    "/problems/{problem_id}/scorecard/history",
    response_model=list[HistoryPoint],
    summary="A problem's scores over time",
)
def scorecard_history(
    ctx: WorkspaceDep,
    session: SessionDep,
    problem: ProblemDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    points: Annotated[int, Query(ge=2, le=100)] = 12,
) -> Any:
    end = _aware(to) if to else utcnow()
    start = _aware(from_) if from_ else min(problem.created_at, end - timedelta(days=1))
    if start >= end:
        raise InvalidInput(
            "from: must be before to.", details=[{"field": "from", "message": "after to"}]
        )
    return service.scorecard_history(
        session=session,
        workspace=ctx.workspace,
        problem=problem,
        start=start,
        end=end,
        points=points,
    )


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
    rows = service.portfolio_rows(
        session=session,
        ctx=ctx,
        recommendation=recommendation,
        status=status,
        owner_id=owner_id,
        segment_id=segment_id,
        sort=sort,
        descending=descending,
        include_archived=include_archived,
    )
    return Portfolio(items=rows, total=len(rows))

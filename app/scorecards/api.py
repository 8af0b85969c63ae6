"""JSON routes of scorecards: a problem's card (now or as it was), its history, the portfolio."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.db import SessionDep, utcnow
from app.errors import InvalidInput
from app.kit.rows import PageDep
from app.problems.deps import ProblemDep
from app.scorecards import service
from app.scorecards.models import HistoryPoint, Portfolio, PortfolioFilters, SortKey
from app.scoring.scorecard import Scorecard
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


@router.get(
    "/portfolio",
    response_model=Portfolio,
    summary="One page of the open problems with their scores",
    description="Paged, sorted and filtered; `total` counts every problem that matches. "
    "`portfolio.csv` gives all of them at once.",
)
def portfolio(
    ctx: WorkspaceDep,
    session: SessionDep,
    filters: Annotated[PortfolioFilters, Query()],
    page: PageDep,
    sort: SortKey = "pain",
    descending: bool = True,
) -> Any:
    return service.portfolio_page(
        session=session, ctx=ctx, filters=filters, sort=sort, descending=descending, page=page
    )


@router.get(
    "/portfolio.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Every problem that matches, with its scores, as CSV",
)
def portfolio_csv(
    request: Request,
    ctx: WorkspaceDep,
    session: SessionDep,
    filters: Annotated[PortfolioFilters, Query()],
    sort: SortKey = "pain",
    descending: bool = True,
) -> StreamingResponse:
    service.store_missing(session=session, workspace=ctx.workspace)
    rows = service.portfolio_csv(
        engine=request.app.state.engine, ctx=ctx, filters=filters, sort=sort, descending=descending
    )
    filename = f"evident-{ctx.workspace.slug}-portfolio.csv"
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

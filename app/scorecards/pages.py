"""The portfolio: every open problem on a pain x reach chart, and a sortable, filterable table."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.enums import ProblemStatus, Recommendation
from app.kit.rows import rows_by_id
from app.problems.models import Problem
from app.scorecards.models import PortfolioRow
from app.scorecards.service import portfolio_rows
from app.scoring.glossary import glossary_terms
from app.validation import whole_number
from app.web import PAGE_SIZE, Pager, is_htmx, offset_param, page_router, render
from app.workspaces.deps import WorkspaceDep

router = page_router()

SORTS = ("pain", "reach", "feasibility", "participants", "title")

# The chart's plot area inside a 640 x 420 viewBox.
LEFT, RIGHT, TOP, BOTTOM = 56.0, 620.0, 16.0, 368.0


@dataclass(frozen=True)
class Bubble:
    row: PortfolioRow
    cx: float
    cy: float
    r: float


def chart_x(pain: float) -> float:
    return LEFT + max(0.0, min(pain, 100.0)) / 100 * (RIGHT - LEFT)


def chart_y(reach: float) -> float:
    return BOTTOM - max(0.0, min(reach, 100.0)) / 100 * (BOTTOM - TOP)


def bubbles(rows: list[PortfolioRow]) -> list[Bubble]:
    """One bubble per problem: x pain, y reach, radius from feasibility (8 to 22 px).

    The largest are drawn first so small bubbles stay on top and reachable.
    """
    placed = [
        Bubble(row=r, cx=chart_x(r.pain), cy=chart_y(r.reach), r=8 + r.feasibility / 100 * 14)
        for r in rows
    ]
    return sorted(placed, key=lambda b: -b.r)


def _choice(value: str | None, allowed: Any) -> Any:
    return allowed(value) if value and value in allowed.__members__ else None


@router.get("/w/{ws}")
def portfolio(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    params = request.query_params
    sort = params.get("sort") if params.get("sort") in SORTS else "pain"
    descending = params.get("dir", "desc") != "asc"
    recommendation = _choice(params.get("recommendation"), Recommendation)
    status = _choice(params.get("status"), ProblemStatus)
    q = params.get("q", "").strip()
    rows = portfolio_rows(
        session=session,
        ctx=ctx,
        recommendation=recommendation,
        status=status,
        sort=sort,  # type: ignore[arg-type]
        descending=descending,
    )
    if q:
        rows = [r for r in rows if q.lower() in r.title.lower()]
    pager = Pager(total=len(rows), offset=offset_param(request))
    context: dict[str, Any] = {
        "ctx": ctx,
        "nav": "portfolio",
        "rows": rows[pager.offset : pager.offset + PAGE_SIZE],
        "pager": pager,
        "sort": sort,
        "descending": descending,
        "filters": {"recommendation": recommendation, "status": status, "q": q},
        "filtered": bool(recommendation or status or q),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "problem-table":
        return render(request, "scorecards/index.html", context, block="rows")
    everything = portfolio_rows(session=session, ctx=ctx)
    deleted = _deleted_problem(session, ctx, params.get("deleted"))
    context |= {
        "bubbles": bubbles(everything),
        "has_problems": bool(everything) or bool(rows),
        "thresholds": {
            "pain": ctx.workspace.pain_threshold,
            "reach": ctx.workspace.reach_threshold,
            "x": chart_x(ctx.workspace.pain_threshold),
            "y": chart_y(ctx.workspace.reach_threshold),
        },
        "ticks": [(v, chart_x(v), chart_y(v)) for v in range(0, 101, 20)],
        "plot": {"left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM},
        "deleted": deleted,
        "recommendations": list(Recommendation),
        "statuses": list(ProblemStatus),
    }
    return render(request, "scorecards/index.html", context)


def _deleted_problem(session: SessionDep, ctx: WorkspaceDep, raw: str | None) -> Problem | None:
    """The problem just deleted, to offer its undo."""
    problem_id = whole_number(raw)
    if problem_id is None:
        return None
    problem = rows_by_id(session, Problem, ctx, [problem_id]).get(problem_id)
    return problem if problem is not None and problem.deleted_at is not None else None


@router.get("/w/{ws}/glossary")
def glossary(request: Request, ctx: WorkspaceDep) -> Response:
    """What each word of the scorecard means, with this workspace's thresholds."""
    return render(request, "scorecards/glossary.html", {"ctx": ctx, **glossary_terms()})

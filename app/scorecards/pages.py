"""The portfolio: the open problems on a pain x reach chart (one bubble each, or counts per
grid cell when there are too many to draw), and a sortable, filterable, paged table."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.enums import ProblemStatus, Recommendation
from app.kit.rows import Page, rows_by_id
from app.problems.models import Problem
from app.research.service import segment_sizes_note
from app.scorecards.models import PortfolioCell, PortfolioFilters, PortfolioRow
from app.scorecards.service import portfolio_chart, portfolio_page
from app.scoring.glossary import glossary_terms
from app.validation import whole_number
from app.web import PAGE_SIZE, Pager, is_htmx, offset_param, page_router, render, url_with
from app.workspaces.deps import WorkspaceDep

router = page_router()

SORTS = ("pain", "reach", "feasibility", "participants", "title")

# The chart's plot area inside a 640 x 420 viewBox; a score of 0 sits PAD inside the axes, so
# a reach of 1 % reads as 1 %, not as a mark on the axis line.
LEFT, RIGHT, TOP, BOTTOM = 56.0, 620.0, 16.0, 368.0
PAD = 14.0
# A number label's box: about 7.5 px per digit at the chart's font size, 14 px high.
DIGIT_WIDTH, LABEL_HEIGHT = 7.5, 14.0


@dataclass(frozen=True)
class Bubble:
    row: PortfolioRow
    cx: float
    cy: float
    r: float
    number: int = 0  # its line in the chart's key
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "start"


@dataclass(frozen=True)
class Cell:
    """A grid cell of the chart: its problems counted, a link to them in the table."""

    cell: PortfolioCell
    x: float
    y: float
    width: float
    height: float
    opacity: float
    href: str


def chart_x(pain: float) -> float:
    return LEFT + PAD + max(0.0, min(pain, 100.0)) / 100 * (RIGHT - LEFT - PAD)


def chart_y(reach: float) -> float:
    return BOTTOM - PAD - max(0.0, min(reach, 100.0)) / 100 * (BOTTOM - TOP - PAD)


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_label(bubble: Bubble, taken: list[Box]) -> Bubble:
    """Put the bubble's number beside it where it hides no other number or bubble: right,
    left, above, below or on a diagonal, else where it overlaps least."""
    width = DIGIT_WIDTH * len(str(bubble.number)) + 2
    gap = bubble.r + 3
    spots = [
        (bubble.cx + gap, bubble.cy, "start"),
        (bubble.cx - gap, bubble.cy, "end"),
        (bubble.cx, bubble.cy - gap - LABEL_HEIGHT / 2, "middle"),
        (bubble.cx, bubble.cy + gap + LABEL_HEIGHT / 2, "middle"),
        (bubble.cx + gap, bubble.cy - gap - LABEL_HEIGHT / 2, "start"),
        (bubble.cx - gap, bubble.cy - gap - LABEL_HEIGHT / 2, "end"),
        (bubble.cx + gap, bubble.cy + gap + LABEL_HEIGHT / 2, "start"),
        (bubble.cx - gap, bubble.cy + gap + LABEL_HEIGHT / 2, "end"),
    ]

    def box(x: float, y: float, anchor: str) -> Box:
        left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
        return (left, y - LABEL_HEIGHT / 2, left + width, y + LABEL_HEIGHT / 2)

    def clashes(spot: tuple[float, float, str]) -> int:
        b = box(*spot)
        outside = b[0] < LEFT or b[2] > RIGHT + 16 or b[1] < 0 or b[3] > BOTTOM
        return sum(_overlaps(b, t) for t in taken) + (100 if outside else 0)

    x, y, anchor = min(spots, key=clashes)  # the first of the least clashing
    taken.append(box(x, y, anchor))
    return Bubble(bubble.row, bubble.cx, bubble.cy, bubble.r, bubble.number, x, y, anchor)


def bubbles(rows: list[PortfolioRow]) -> list[Bubble]:
    """One bubble per problem: x pain, y reach, radius from feasibility (8 to 22 px), numbered
    as in the chart's key (deepest pain first), each number placed where it stays readable.

    The largest are drawn first so small bubbles stay on top and reachable.
    """
    ordered = sorted(rows, key=lambda r: (-r.pain, -r.reach, r.problem_id))
    placed = [
        Bubble(
            row=r,
            cx=chart_x(r.pain),
            cy=chart_y(r.reach),
            r=8 + r.feasibility / 100 * 14,
            number=n,
        )
        for n, r in enumerate(ordered, start=1)
    ]
    # Every bubble is an obstacle; numbers are placed biggest bubble first.
    taken: list[Box] = [(b.cx - b.r, b.cy - b.r, b.cx + b.r, b.cy + b.r) for b in placed]
    labelled = [_place_label(b, taken) for b in sorted(placed, key=lambda b: -b.r)]
    return labelled


def chart_key(drawn: list[Bubble]) -> list[Bubble]:
    """The chart's key, in the order of its numbers."""
    return sorted(drawn, key=lambda b: b.number)


def cell_filters(cell: PortfolioCell) -> dict[str, Any]:
    """The table's filters that list a cell's problems (the last tenth includes 100)."""
    return {
        "pain_min": f"{cell.pain_min:g}",
        "pain_max": f"{cell.pain_max:g}" if cell.pain_max < 100 else None,
        "reach_min": f"{cell.reach_min:g}",
        "reach_max": f"{cell.reach_max:g}" if cell.reach_max < 100 else None,
        "offset": None,
    }


def cells(request: Request, found: list[PortfolioCell]) -> list[Cell]:
    """Grid cells shaded by how many problems they hold, each linking to its problems."""
    most = max((c.count for c in found), default=1)
    return [
        Cell(
            cell=c,
            x=chart_x(c.pain_min),
            y=chart_y(c.reach_max),
            width=chart_x(c.pain_max) - chart_x(c.pain_min),
            height=chart_y(c.reach_min) - chart_y(c.reach_max),
            opacity=round(0.2 + 0.8 * c.count / most, 2),
            href=url_with(request, **cell_filters(c)) + "#problem-table",
        )
        for c in found
    ]


def _choice(value: str | None, allowed: Any) -> Any:
    return allowed(value) if value and value in allowed.__members__ else None


def _score(raw: str | None) -> float | None:
    """A score bound typed into the URL, or None when it is not a number from 0 to 100."""
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def _filters(params: Any) -> PortfolioFilters:
    return PortfolioFilters(
        recommendation=_choice(params.get("recommendation"), Recommendation),
        status=_choice(params.get("status"), ProblemStatus),
        q=params.get("q", "").strip()[:200] or None,
        pain_min=_score(params.get("pain_min")),
        pain_max=_score(params.get("pain_max")),
        reach_min=_score(params.get("reach_min")),
        reach_max=_score(params.get("reach_max")),
    )


@router.get("/w/{ws}")
def portfolio(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    params = request.query_params
    sort = params.get("sort") if params.get("sort") in SORTS else "pain"
    descending = params.get("dir", "desc") != "asc"
    filters = _filters(params)
    page = Page(limit=PAGE_SIZE, offset=offset_param(request))
    found = portfolio_page(
        session=session,
        ctx=ctx,
        filters=filters,
        sort=sort,  # type: ignore[arg-type]
        descending=descending,
        page=page,
    )
    scores = {
        name: getattr(filters, name) for name in ("pain_min", "pain_max", "reach_min", "reach_max")
    }
    context: dict[str, Any] = {
        "ctx": ctx,
        "nav": "portfolio",
        "rows": found.items,
        "pager": Pager(total=found.total, offset=page.offset),
        "sort": sort,
        "descending": descending,
        "filters": filters,
        "scores": {name: f"{value:g}" for name, value in scores.items() if value is not None},
        "filtered": filters != PortfolioFilters(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "problem-table":
        return render(request, "scorecards/index.html", context, block="rows")
    chart = portfolio_chart(session=session, ctx=ctx, filters=PortfolioFilters())
    deleted = _deleted_problem(session, ctx, params.get("deleted"))
    drawn = bubbles(chart.bubbles)
    context |= {
        "chart_total": chart.total,
        "bubbles": drawn,
        "chart_key": chart_key(drawn),
        "unsized_note": segment_sizes_note(session, ctx),
        "cells": cells(request, chart.cells),
        "has_problems": bool(chart.total) or bool(found.total),
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

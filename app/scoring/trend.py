"""The trend over the research: a problem's scores month by month, by the date the evidence was
gathered (the interview's date), not by when it was typed in or recomputed.

Pure, like the engine: the scoring input of today, cut at the end of each month. `as_of` stays
the other time axis, what the team knew at a moment, which a decision memo freezes.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.enums import Confidence, Recommendation
from app.scoring.engine import compute_scorecard
from app.scoring.inputs import ScoringInput

MAX_MONTHS = 24  # the latest two years of research


@dataclass(frozen=True)
class MonthPoint:
    """The scores from the evidence gathered up to the end of `month`."""

    month: date  # the first day of the month
    pain: float
    reach: float
    feasibility: float
    confidence: Confidence
    recommendation: Recommendation
    participants: int


def _month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _month_end(month) + timedelta(days=1)
    return months[-MAX_MONTHS:]


def gathered_until(inp: ScoringInput, day: date) -> ScoringInput:
    """The input as if only the research gathered up to `day` existed."""
    end = datetime.combine(day, time.max)
    return dataclasses.replace(
        inp,
        evidence=tuple(e for e in inp.evidence if e.seen_on <= day),
        coverage=tuple(c for c in inp.coverage if c.occurred_on <= day),
        tests=tuple(
            t
            for t in inp.tests
            if t.concluded_at is None or t.concluded_at.replace(tzinfo=None) <= end
        ),
        decisions=tuple(d for d in inp.decisions if d.decided_at.replace(tzinfo=None) <= end),
    )


def research_trend(inp: ScoringInput) -> list[MonthPoint]:
    """One point per month from the first evidence gathered to the latest; none without any."""
    days = [e.seen_on for e in inp.evidence] + [c.occurred_on for c in inp.coverage]
    if not days:
        return []
    points = []
    for month in _months(min(days), max(days)):
        card = compute_scorecard(gathered_until(inp, _month_end(month)))
        points.append(
            MonthPoint(
                month=month,
                pain=card.pain.value,
                reach=card.reach.value,
                feasibility=card.feasibility.value,
                confidence=card.confidence.level,
                recommendation=card.recommendation.value,
                participants=card.counts.participants,
            )
        )
    return points

"""The stored scorecard of each problem, its trend, and the portfolio's rows."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic import Field as Described
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.enums import (
    ProblemStatus,
    Recommendation,
)
from app.scoring.scorecard import Scorecard
from app.validation import Id


class ProblemScorecard(SQLModel, table=True):
    """The current scorecard of a problem, with its headline figures as columns to sort on."""

    __tablename__ = "problem_scorecard"

    problem_id: int = Field(
        sa_column=Column(Integer, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True)
    )
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    pain: float = 0
    reach: float = 0
    reach_upper: float = 0
    feasibility: float = 0
    confidence: str = Field(default="low", sa_type=String(8))
    recommendation: str = Field(default="investigate", sa_type=String(16), index=True)
    participants: int = 0
    evidence_items: int = 0
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The headline figures after each refresh that moved them, oldest first (TrendPoint).
    trend: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class ProblemSummary(SQLModel, table=True):
    """A problem's headline figures and what changed since its last decision (everything, when
    never decided): one narrow row per problem, written with its card by the same refresh, that
    the portfolio and the review queue page, sort and count over. The card itself is tens of kB
    of JSON, too wide to scan."""

    __tablename__ = "problem_summary"
    __table_args__ = (Index("ix_problem_summary_workspace_id", "workspace_id", "problem_id"),)

    problem_id: int = Field(
        sa_column=Column(Integer, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True)
    )
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    # The card's headline figures, as in problem_scorecard.
    pain: float = 0
    reach: float = 0
    reach_upper: float = 0
    feasibility: float = 0
    confidence: str = Field(default="low", sa_type=String(8))
    recommendation: str = Field(default="investigate", sa_type=String(16))
    participants: int = 0
    evidence_items: int = 0
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    # What the review queue shows.
    last_decision_id: int | None = None
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last decision's recommendation differs from the card's now.
    recommendation_changed: bool = False
    # The review date that falls due: the last decision's, else the problem's review-by date
    # (unless a decision was taken on or after it).
    due_on: date | None = None
    new_evidence: int = 0
    supporting: int = 0
    contradicting: int = 0
    behavioural: int = 0
    by_signal: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    new_tests: int = 0


class HistoryPoint(BaseModel):
    """The card's headline figures as they were after one change."""

    at: datetime
    pain: float
    reach: float
    feasibility: float
    confidence: str
    recommendation: Recommendation

    @classmethod
    def of(cls, card: Scorecard) -> "HistoryPoint":
        return cls(
            at=card.as_of,
            pain=card.pain.value,
            reach=card.reach.value,
            feasibility=card.feasibility.value,
            confidence=card.confidence.level.value,
            recommendation=card.recommendation.value,
        )


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
    kill_pain: float | None = Described(
        default=None, description="The problem's own pain threshold, when it has one."
    )
    kill_reach: float | None = Described(
        default=None, description="The problem's own reach threshold, when it has one."
    )
    flags: list[str]


class Portfolio(BaseModel):
    """One page of the portfolio and the number of problems that match its filters."""

    items: list[PortfolioRow]
    total: int
    limit: int
    offset: int


class PortfolioFilters(BaseModel):
    """Which problems the portfolio lists; open (not archived) ones by default."""

    recommendation: Recommendation | None = None
    status: ProblemStatus | None = None
    owner_id: Id | None = None
    segment_id: Id | None = Described(None, description="Problems with evidence from this segment.")
    include_archived: bool = False
    q: str | None = Described(None, max_length=200, description="Title contains (any case).")
    pain_min: float | None = Described(None, ge=0, le=100, description="Pain at least this.")
    pain_max: float | None = Described(None, ge=0, le=100, description="Pain below this.")
    reach_min: float | None = Described(None, ge=0, le=100, description="Reach at least this.")
    reach_max: float | None = Described(None, ge=0, le=100, description="Reach below this.")


class PortfolioCell(BaseModel):
    """The open problems whose pain and reach fall in one cell of the chart's grid."""

    pain_min: float
    pain_max: float
    reach_min: float
    reach_max: float
    count: int
    by_recommendation: dict[Recommendation, int]

    @property
    def most(self) -> Recommendation:
        """The recommendation most of the cell's problems have."""
        return max(self.by_recommendation, key=lambda r: self.by_recommendation[r])


SortKey = Literal["pain", "reach", "feasibility", "title", "participants", "updated"]

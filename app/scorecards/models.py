"""The stored scorecard of each problem, its trend, and the portfolio's rows."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
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
    flags: list[str]


class Portfolio(BaseModel):
    items: list[PortfolioRow]
    total: int


SortKey = Literal["pain", "reach", "feasibility", "title", "participants", "updated"]

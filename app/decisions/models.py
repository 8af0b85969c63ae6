"""Decisions: append-only, each with the scorecard frozen as the deciders saw it."""

from datetime import date
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import JSON, Text
from sqlmodel import Field

from app.db import DomainRow, EnumText
from app.enums import DecisionKind, Recommendation
from app.research.models import RowRead
from app.validation import Id, Input, Version


class Decision(DomainRow, table=True):
    problem_id: int = Field(foreign_key="problem.id", index=True)
    kind: DecisionKind = Field(sa_type=EnumText(DecisionKind, 16))
    rationale: str = Field(sa_type=Text)
    decided_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    dissent: str = Field(default="", sa_type=Text)
    customer_advocate_notes: str = Field(default="", sa_type=Text)
    # Why the deciders went against the recommendation (empty when they did not).
    against_reason: str = Field(default="", sa_type=Text)
    review_on: date | None = None
    recommendation: Recommendation | None = Field(
        default=None, sa_type=EnumText(Recommendation, 16)
    )
    scorecard: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class DecisionCreate(Input):
    problem_id: Id
    kind: DecisionKind
    rationale: str = Field(min_length=1, max_length=20_000)
    dissent: str = Field(default="", max_length=20_000)
    customer_advocate_notes: str = Field(default="", max_length=20_000)
    against_reason: str = Field(
        default="",
        max_length=20_000,
        description="Required when the decision differs from the recommendation (park never does).",
    )
    review_on: date | None = None


class DecisionUpdate(Input):
    """Decisions are append-only; only the review date can move."""

    # Other fields are kept so the service can answer that they cannot change, and why.
    model_config = ConfigDict(extra="allow")

    version: Version
    review_on: date | None = None


class DecisionRead(RowRead):
    problem_id: int
    kind: DecisionKind
    rationale: str
    decided_by: int | None
    dissent: str
    customer_advocate_notes: str
    against_reason: str = ""
    review_on: date | None
    recommendation: Recommendation | None
    scorecard: dict[str, Any] | None = Field(
        description="The scorecard as it was when the decision was taken."
    )
    against_evidence: bool = Field(
        default=False, description="The decision went against the recommendation."
    )
    superseded_by_id: int | None = Field(
        default=None, description="The next decision on the same problem, which replaced this one."
    )

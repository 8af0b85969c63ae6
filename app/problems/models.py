"""Customer problems, their tags and their kill criteria (kept with every change)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.db import DomainRow, EnumText, UTCDateTime, utcnow
from app.enums import ProblemStatus
from app.research.models import RowRead
from app.validation import Id, Input, Version


class Problem(DomainRow, table=True):
    title: str = Field(max_length=200)
    statement: str = Field(default="", sa_type=Text)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    status: ProblemStatus = Field(
        default=ProblemStatus.exploring, sa_type=EnumText(ProblemStatus, 16), index=True
    )
    feasibility_estimate: float | None = Field(default=None)
    feasibility_rationale: str = Field(default="", sa_type=Text)
    # Kill criteria: thresholds fixed for this problem before the evidence comes in.
    kill_pain: float | None = None
    kill_reach: float | None = None
    kill_feasibility: float | None = None
    kill_min_participants: int | None = None
    review_by: date | None = None


class ProblemTag(SQLModel, table=True):
    __tablename__ = "problem_tag"

    problem_id: int = Field(
        sa_column=Column(Integer, ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(sa_column=Column(String(64), primary_key=True, index=True))


class KillCriteriaChange(SQLModel, table=True):
    """Every change of a problem's kill criteria, so moved goalposts stay visible."""

    __tablename__ = "kill_criteria_change"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    problem_id: int = Field(foreign_key="problem.id", index=True, ondelete="CASCADE")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    changed_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    before: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    after: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# ---- schemas -------------------------------------------------------------------------------

TAG_PATTERN = r"^[^,\s][^,]{0,63}$"


class KillCriteria(Input):
    pain: float | None = Field(default=None, ge=0, le=100)
    reach: float | None = Field(default=None, ge=0, le=100)
    feasibility: float | None = Field(default=None, ge=0, le=100)
    min_participants: int | None = Field(default=None, ge=1, le=10_000)


class ProblemCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    statement: str = Field(
        default="",
        max_length=5_000,
        description='"<segment> struggles to <job> because <obstacle>"',
    )
    owner_id: Id | None = Field(default=None, description="Defaults to you.")
    status: ProblemStatus = ProblemStatus.exploring
    tags: list[str] = Field(default_factory=list, max_length=20)
    feasibility_estimate: float | None = Field(default=None, ge=0, le=100)
    feasibility_rationale: str = Field(default="", max_length=5_000)
    kill_criteria: KillCriteria | None = None
    review_by: date | None = None


class ProblemUpdate(Input):
    version: Version
    title: str | None = Field(default=None, min_length=1, max_length=200)
    statement: str | None = Field(default=None, max_length=5_000)
    owner_id: Id | None = None
    status: ProblemStatus | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    feasibility_estimate: float | None = Field(default=None, ge=0, le=100)
    feasibility_rationale: str | None = Field(default=None, max_length=5_000)
    kill_criteria: KillCriteria | None = None
    review_by: date | None = None


class KillCriteriaChangeRead(SQLModel):
    changed_at: datetime
    changed_by: int | None
    before: dict[str, Any]
    after: dict[str, Any]


class ProblemRead(RowRead):
    title: str
    statement: str
    owner_id: int | None
    status: ProblemStatus
    tags: list[str] = Field(default_factory=list)
    feasibility_estimate: float | None
    feasibility_rationale: str
    kill_criteria: KillCriteria
    review_by: date | None

"""Assumptions behind a problem and the tests that check them, criteria fixed in advance."""

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.db import DomainRow, EnumText, UTCDateTime
from app.enums import AssumptionCategory, CriterionOperator, TestMethod, TestOutcome, TestStatus
from app.research.models import RowRead
from app.scoring.scorecard import AssumptionState
from app.validation import Id, Input, Version


class Assumption(DomainRow, table=True):
    # A problem's rows within its workspace (see EvidenceItem).
    __table_args__ = (Index("ix_assumption_workspace_id_problem_id", "workspace_id", "problem_id"),)

    problem_id: int = Field(foreign_key="problem.id", index=True)
    statement: str = Field(max_length=1000)
    category: AssumptionCategory = Field(sa_type=EnumText(AssumptionCategory, 16), index=True)
    critical: bool = Field(default=False)


class AssumptionTest(DomainRow, table=True):
    __tablename__ = "assumption_test"
    __table_args__ = (
        Index("ix_assumption_test_workspace_id_problem_id", "workspace_id", "problem_id"),
    )

    assumption_id: int = Field(foreign_key="assumption.id", index=True)
    problem_id: int = Field(foreign_key="problem.id", index=True)
    method: TestMethod = Field(sa_type=EnumText(TestMethod, 32))
    metric: str = Field(max_length=500)
    operator: CriterionOperator = Field(sa_type=EnumText(CriterionOperator, 8))
    threshold: float | None = None
    criterion_fixed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: TestStatus = Field(
        default=TestStatus.planned, sa_type=EnumText(TestStatus, 16), index=True
    )
    observed_value: float | None = None
    outcome: TestOutcome | None = Field(default=None, sa_type=EnumText(TestOutcome, 16))
    learning: str = Field(default="", sa_type=Text)
    # Why a test concluded without an observed value (its outcome is then inconclusive).
    inconclusive_reason: str = Field(default="", sa_type=Text)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    concluded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# ---- schemas -------------------------------------------------------------------------------


class AssumptionCreate(Input):
    problem_id: Id
    statement: str = Field(min_length=1, max_length=1000)
    category: AssumptionCategory
    critical: bool = False


class AssumptionUpdate(Input):
    version: Version
    statement: str | None = Field(default=None, min_length=1, max_length=1000)
    category: AssumptionCategory | None = None
    critical: bool | None = None


class AssumptionRead(RowRead):
    problem_id: int
    statement: str
    category: AssumptionCategory
    critical: bool


class TestCreate(Input):
    __test__ = False

    assumption_id: Id
    method: TestMethod
    metric: str = Field(min_length=1, max_length=500)
    operator: CriterionOperator
    threshold: float | None = Field(default=None, description="Needed for >=, >, <=, <.")
    status: TestStatus = TestStatus.planned


class TestUpdate(Input):
    """Edit a test card. Concluding sets `observed_value` (and `learning`); the outcome follows.
    Without a value, `inconclusive_reason` concludes it as inconclusive and says why."""

    __test__ = False

    version: Version
    method: TestMethod | None = None
    metric: str | None = Field(default=None, min_length=1, max_length=500)
    operator: CriterionOperator | None = None
    threshold: float | None = None
    status: TestStatus | None = None
    observed_value: float | None = None
    learning: str | None = Field(default=None, max_length=20_000)
    inconclusive_reason: str | None = Field(
        default=None,
        max_length=2_000,
        description="Conclude without an observed value: why the test is inconclusive.",
    )


class TestRead(RowRead):
    __test__ = False

    assumption_id: int
    problem_id: int
    method: TestMethod
    metric: str
    operator: CriterionOperator
    threshold: float | None
    criterion_fixed_at: datetime | None
    status: TestStatus
    observed_value: float | None
    outcome: TestOutcome | None
    learning: str
    inconclusive_reason: str
    started_at: datetime | None
    concluded_at: datetime | None


class CriticalAssumptionRead(SQLModel):
    """A critical assumption and where its testing stands, as the scorecard reads it."""

    assumption_id: int
    statement: str
    category: AssumptionCategory
    state: AssumptionState = Field(
        description="untested, running, or the outcome of its latest decisive test"
    )
    test_ids: list[int] = Field(default_factory=list, description="Its live tests, oldest first.")

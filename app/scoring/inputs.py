"""Plain, frozen data the scorecard is computed from: no database rows, no sessions, no clock.

The caller (the problems service) loads what existed at `as_of` and hands it over as these.
"""

from dataclasses import dataclass
from datetime import date, datetime

from app.enums import (
    AssumptionCategory,
    DecisionKind,
    Frequency,
    Recommendation,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.scoring import constants as c


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The bar a problem must clear; workspace defaults, overridable per problem."""

    pain: float = c.DEFAULT_PAIN_THRESHOLD
    reach: float = c.DEFAULT_REACH_THRESHOLD
    feasibility: float = c.DEFAULT_FEASIBILITY_THRESHOLD
    min_participants: int = c.DEFAULT_MIN_PARTICIPANTS  # fewer participants: low confidence


@dataclass(frozen=True, slots=True)
class SegmentIn:
    id: int
    name: str
    size: int | None  # accounts or customers; None when the team does not know


@dataclass(frozen=True, slots=True)
class ParticipantIn:
    id: int
    name: str
    segment_id: int | None


@dataclass(frozen=True, slots=True)
class CoverageIn:
    """An interview that covered the problem on purpose (only those are passed in)."""

    interview_id: int
    participant_id: int | None
    occurred_on: date


@dataclass(frozen=True, slots=True)
class EvidenceIn:
    """A highlight on the problem; `observed_on` is its interview's date when it has one."""

    id: int
    participant_id: int | None
    interview_id: int | None
    stance: Stance
    signal: Signal
    severity: int | None
    frequency: Frequency | None
    logged_by: int | None
    logged_at: datetime
    observed_on: date | None
    quote: str

    @property
    def seen_on(self) -> date:
        """When the evidence was observed, or else when it was logged."""
        return self.observed_on if self.observed_on is not None else self.logged_at.date()


@dataclass(frozen=True, slots=True)
class AssumptionIn:
    id: int
    statement: str
    category: AssumptionCategory
    critical: bool


@dataclass(frozen=True, slots=True)
class TestIn:
    __test__ = False  # not a pytest test class

    id: int
    assumption_id: int
    method: TestMethod
    status: TestStatus
    outcome: TestOutcome | None
    concluded_at: datetime | None


@dataclass(frozen=True, slots=True)
class KillCriteriaChange:
    """A change of the problem's threshold overrides; the latest `after` is in force."""

    changed_at: datetime
    changed_by: int | None
    before: Thresholds | None  # None: not recorded; the thresholds in force until then apply
    after: Thresholds


@dataclass(frozen=True, slots=True)
class DecisionIn:
    id: int
    kind: DecisionKind
    recommendation: Recommendation | None  # what the scorecard advised when it was taken
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ProblemIn:
    id: int
    title: str
    owner_id: int | None
    feasibility_estimate: float | None  # the team's f0, 0..100
    feasibility_rationale: str | None


@dataclass(frozen=True, slots=True)
class ScoringInput:
    """Everything one scorecard needs. Tuples may come in any order.

    `segments` are all segments of the workspace (they set the weights); `participants` include
    at least every participant referenced by coverage or evidence. `as_of` is "now" for the stale
    flag only: the caller has already left out rows that did not exist at `as_of`.
    """

    problem: ProblemIn
    workspace_thresholds: Thresholds
    segments: tuple[SegmentIn, ...]
    participants: tuple[ParticipantIn, ...]
    coverage: tuple[CoverageIn, ...]
    evidence: tuple[EvidenceIn, ...]
    assumptions: tuple[AssumptionIn, ...]
    tests: tuple[TestIn, ...]
    kill_criteria: tuple[KillCriteriaChange, ...]
    decisions: tuple[DecisionIn, ...]
    as_of: datetime
    # (user id, display name) of the team, so flags can name who logged the evidence.
    team: tuple[tuple[int, str], ...] = ()

    def member_name(self, user_id: int) -> str:
        return dict(self.team).get(user_id, f"user {user_id}")

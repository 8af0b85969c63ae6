"""The scorecard: what the engine returns, explained down to each piece of evidence.

Pydantic models so a scorecard can be frozen as JSON in a decision memo and read back exactly:
`Scorecard.model_validate(card.model_dump(mode="json")) == card`.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.enums import AssumptionCategory, Confidence, Recommendation


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContributionKind(StrEnum):
    prior = "prior"  # the pseudo-participants of pain depth
    participant = "participant"  # one affected participant's x
    segment = "segment"  # one segment's weighted lower bound
    estimate = "estimate"  # the team's starting feasibility
    test_step = "test_step"  # one concluded assumption test


class Contribution(_Frozen):
    """One term of a score, in score points; the terms of a score sum to it (within rounding)."""

    kind: ContributionKind
    label: str
    amount: float
    participant_id: int | None = None
    evidence_id: int | None = None
    segment_id: int | None = None
    test_id: int | None = None


class Score(_Frozen):
    value: float
    contributions: list[Contribution]


class SegmentPain(Score):
    """Pain depth among one segment's participants, computed like the overall pain."""

    segment_id: int
    segment_name: str
    affected: int


class SegmentFigures(_Frozen):
    """One segment's part of reach. `weight` is a share of the base (0..1); the rest are %."""

    segment_id: int
    name: str
    size: int | None
    weight: float
    n: int  # participants in the segment who covered or evidenced the problem
    k: int  # affected among them
    point: float  # 100 x k / n (0 when never asked)
    lower: float  # Wilson lower bound, %
    upper: float  # Wilson upper bound, % (100 when never asked: we know nothing)
    pain: float  # pain depth among this segment's participants


class Reach(Score):
    """Segment reach: `value` is the cautious lower bound of the share of the base affected."""

    point: float
    upper: float
    affected_accounts: float | None  # None when no segment has a size
    affected_accounts_low: float | None
    affected_accounts_high: float | None
    segments: list[SegmentFigures]
    unasked_segments: list[str]


class Feasibility(Score):
    """Feasibility: the team's estimate, then one step per concluded feasibility/viability test."""

    estimate: float  # the starting point f0
    rationale: str | None


class ConfidenceAssessment(_Frozen):
    level: Confidence
    reasons: list[str]


class RecommendationAdvice(_Frozen):
    value: Recommendation
    reasons: list[str]
    # Each change of evidence that would move the call, either way, with the call it leads to.
    would_change_call: list[str]


class BiasCode(StrEnum):
    single_source = "single_source"
    owner_only = "owner_only"
    no_disconfirming = "no_disconfirming"
    opinions_only = "opinions_only"
    narrow_segment = "narrow_segment"
    stale = "stale"
    unsegmented = "unsegmented"
    goalposts_moved = "goalposts_moved"
    against_evidence = "against_evidence"


class BiasFlag(_Frozen):
    code: BiasCode
    message: str
    evidence_ids: list[int] = []
    participant_ids: list[int] = []
    decision_ids: list[int] = []


class ParticipantValue(_Frozen):
    """A participant's single value x for the problem, and the items that set it."""

    participant_id: int
    name: str
    segment_id: int | None
    segment_name: str | None
    x: float
    affected: bool
    set_by_evidence_id: int | None  # the strongest supporting item
    capped_by_evidence_id: int | None  # the contradicting item that lowered x, if any
    evidence_ids: list[int]


class ThresholdsInForce(_Frozen):
    pain: float
    reach: float
    feasibility: float
    min_participants: int
    source: str  # "workspace" or "kill criteria"
    changed_at: datetime | None  # when the kill criteria in force were set


class Counts(_Frozen):
    participants: int
    affected: int
    unsegmented_participants: int
    evidence_items: int
    supporting: int
    contradicting: int


class AssumptionState(StrEnum):
    untested = "untested"
    running = "running"
    validated = "validated"
    invalidated = "invalidated"
    inconclusive = "inconclusive"


class CriticalAssumption(_Frozen):
    assumption_id: int
    statement: str
    category: AssumptionCategory
    state: AssumptionState  # latest decisive outcome, else inconclusive, running or untested


class MissingNote(_Frozen):
    """Something the card does not know, said plainly with the weight the model gives instead.

    A note about one participant starts with "<name>: " and carries their id, like a score term,
    so erasing the participant renames it."""

    label: str
    participant_id: int | None = None
    evidence_ids: list[int] = []


class Scorecard(_Frozen):
    problem_id: int
    as_of: datetime
    pain: Score
    segment_pain: list[SegmentPain]
    reach: Reach
    feasibility: Feasibility
    confidence: ConfidenceAssessment
    recommendation: RecommendationAdvice
    flags: list[BiasFlag]
    participants: list[ParticipantValue]
    thresholds: ThresholdsInForce
    counts: Counts
    critical_assumptions: list[CriticalAssumption]
    # What the card does not know (no severity, no segment sizes...); cards frozen before
    # this was kept have none.
    missing: list[MissingNote] = []

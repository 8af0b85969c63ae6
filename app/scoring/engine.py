"""From evidence to a scorecard: pain depth, segment reach, feasibility, confidence, advice.

Pure and deterministic: plain data in, a `Scorecard` out. Every tuple is sorted by its ids first,
so the order of the input never matters; only the order in which assumption tests concluded does.
Decisions are taken on the rounded figures the team sees, so the card never contradicts itself.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from datetime import datetime
from typing import Any

from app.enums import (
    AssumptionCategory,
    Confidence,
    DecisionKind,
    Frequency,
    Recommendation,
    Signal,
    Stance,
    TestOutcome,
    TestStatus,
)
from app.scoring import constants as c
from app.scoring.inputs import (
    AssumptionIn,
    EvidenceIn,
    KillCriteriaChange,
    ParticipantIn,
    ProblemIn,
    ScoringInput,
    SegmentIn,
    TestIn,
    Thresholds,
)
from app.scoring.scorecard import (
    AssumptionState,
    BiasCode,
    BiasFlag,
    ConfidenceAssessment,
    Contribution,
    ContributionKind,
    Counts,
    CriticalAssumption,
    Feasibility,
    MissingNote,
    ParticipantValue,
    Reach,
    RecommendationAdvice,
    Score,
    Scorecard,
    SegmentFigures,
    SegmentPain,
    ThresholdsInForce,
)
from app.scoring.words import (
    METHOD_AFTER_BY,
    SIGNAL_DEEDS,
    STRENGTH_WORDS,
    percent,
    points,
    unsized_segments_note,
)

# Feasibility and viability tests move feasibility; desirability is what pain and reach measure.
FEASIBILITY_CATEGORIES = (AssumptionCategory.feasibility, AssumptionCategory.viability)
TESTED_STATES = (
    AssumptionState.validated,
    AssumptionState.invalidated,
    AssumptionState.inconclusive,
)


# --- Small helpers ----------------------------------------------------------------------------


def _round(value: float) -> float:
    """Stored figures keep 2 decimals; + 0.0 turns a -0.0 into 0.0."""
    return round(value, 2) + 0.0


def _num(value: float) -> str:
    """A number as people write it: 60, 52.5, 33.33."""
    return format(_round(value), "g")


def _pct(share: float) -> str:
    return percent(share)


def _short(quote: str, limit: int = 120) -> str:
    """A quote short enough to sit in a sentence."""
    text = " ".join(quote.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def effective_stance(item: EvidenceIn) -> Stance:
    """The signal defines the stance; a mismatched stance on the item is ignored."""
    return item.signal.stance


# --- Per participant --------------------------------------------------------------------------


def signal_weight(signal: Signal, *, severity: int | None = None) -> float:
    """Weight of a supporting signal before frequency; stated pain scales with its severity."""
    if signal is Signal.stated:
        level = c.SEVERITY_MIN if severity is None else severity
        level = min(max(level, c.SEVERITY_MIN), c.SEVERITY_MAX)
        return c.STATED_BASE_WEIGHT + c.STATED_WEIGHT_PER_SEVERITY * level
    return c.SIGNAL_WEIGHTS[signal]


def frequency_multiplier(frequency: Frequency | None) -> float:
    if frequency is None:
        return c.NO_FREQUENCY_MULTIPLIER
    return c.FREQUENCY_MULTIPLIERS[frequency]


def supporting_weight(item: EvidenceIn) -> float:
    """What one supporting item says about its participant: signal weight x frequency."""
    return signal_weight(item.signal, severity=item.severity) * frequency_multiplier(item.frequency)


def contradiction_cap(signal: Signal) -> float:
    return c.CONTRADICTION_CAPS[signal]


@dataclass
class _Participant:
    """Working state for one participant in scope (covered or evidenced the problem)."""

    participant: ParticipantIn
    segment: SegmentIn | None
    items: list[EvidenceIn] = field(default_factory=list)
    x: float = 0.0
    strongest: EvidenceIn | None = None
    strongest_weight: float = 0.0
    cap_item: EvidenceIn | None = None  # set only when the cap actually lowered x

    @property
    def id(self) -> int:
        return self.participant.id

    @property
    def name(self) -> str:
        return self.participant.name

    @property
    def affected(self) -> bool:
        return self.x > 0

    def settle(self) -> None:
        """x = strongest supporting weight, lowered to the smallest contradicting cap."""
        supporting = [i for i in self.items if effective_stance(i) is Stance.supports]
        contradicting = [i for i in self.items if effective_stance(i) is Stance.contradicts]
        # Ties go to the lowest id, so the explanation is stable.
        for item in supporting:
            weight = supporting_weight(item)
            if self.strongest is None or weight > self.strongest_weight:
                self.strongest, self.strongest_weight = item, weight
        x = self.strongest_weight
        lowest: EvidenceIn | None = None
        for item in contradicting:
            if lowest is None or contradiction_cap(item.signal) < contradiction_cap(lowest.signal):
                lowest = item
        if lowest is not None and contradiction_cap(lowest.signal) < x:
            x = contradiction_cap(lowest.signal)
            self.cap_item = lowest
        self.x = x

    def describe(self) -> str:
        if self.strongest is None:
            return "no supporting evidence"
        item = self.strongest
        words = SIGNAL_DEEDS[item.signal]
        if item.signal is Signal.stated:
            if item.severity is None:
                words += " (severity not recorded: counted as the mildest)"
            else:
                words += f" (severity {item.severity} of {c.SEVERITY_MAX})"
        if item.frequency is not None:
            words += f", {item.frequency.value}"
        if self.cap_item is not None:
            cap = contradiction_cap(self.cap_item.signal)
            words += (
                f", but also {SIGNAL_DEEDS[self.cap_item.signal]}, which limits them to {_pct(cap)}"
            )
        return words


def participants_in_scope(inp: ScoringInput) -> list[_Participant]:
    """Everyone who covered the problem or gave evidence on it, each counted once."""
    known = {p.id: p for p in sorted(inp.participants, key=lambda p: p.id)}
    segments = {s.id: s for s in inp.segments}
    ids = {cov.participant_id for cov in inp.coverage if cov.participant_id is not None}
    ids |= {e.participant_id for e in inp.evidence if e.participant_id is not None}
    scope: dict[int, _Participant] = {}
    for pid in sorted(ids):
        # A participant the caller did not pass still counts; unsegmented, named by id.
        person = known.get(pid) or ParticipantIn(id=pid, name=f"participant {pid}", segment_id=None)
        segment = segments.get(person.segment_id) if person.segment_id is not None else None
        scope[pid] = _Participant(participant=person, segment=segment)
    for item in sorted(inp.evidence, key=lambda e: e.id):
        if item.participant_id is not None:
            scope[item.participant_id].items.append(item)
    for in_scope in scope.values():
        in_scope.settle()
    return list(scope.values())


# --- Pain depth -------------------------------------------------------------------------------


def pain_depth(participants: Iterable[_Participant]) -> Score:
    """100 x (sum of x over affected + a x m) / (k + a): depth among those who have it."""
    affected = [p for p in participants if p.affected]
    a, m = c.PRIOR_PARTICIPANTS, c.PRIOR_MEAN
    denominator = len(affected) + a
    value = 100 * (sum(p.x for p in affected) + a * m) / denominator
    contributions = [
        Contribution(
            kind=ContributionKind.prior,
            label=(
                f"starting point: pain {points(100 * m)}, weighing as much as"
                f" {_plural(round(a), 'person')}, so a few quotes cannot move it far"
            ).replace("persons", "people"),
            amount=_round(100 * a * m / denominator),
        )
    ]
    contributions += [
        Contribution(
            kind=ContributionKind.participant,
            label=f"{p.name}: {p.describe()}; weighs {_pct(p.x)}",
            amount=_round(100 * p.x / denominator),
            participant_id=p.id,
            evidence_id=p.strongest.id if p.strongest else None,
        )
        for p in affected
    ]
    return Score(value=_round(value), contributions=contributions)


# --- Segment reach ----------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = c.WILSON_Z) -> tuple[float, float]:
    """Wilson score interval of the share k / n; (0, 1) when nobody was asked."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # The bounds are exact at the edges; floating point would leave crumbs like 1e-17.
    lower = 0.0 if k <= 0 else max(0.0, centre - half_width)
    upper = 1.0 if k >= n else min(1.0, centre + half_width)
    return lower, upper


def segment_weights(segments: Sequence[SegmentIn]) -> dict[int, float]:
    """size / total size; equal when no size is known; a missing size weighs 0 beside known ones."""
    sizes = {s.id: max(s.size or 0, 0) for s in segments}
    total = sum(sizes.values())
    if total <= 0:
        return {s.id: 1 / len(segments) for s in segments}
    return {sid: size / total for sid, size in sizes.items()}


@dataclass(frozen=True)
class _SegmentReach:
    segment: SegmentIn
    weight: float
    members: tuple[_Participant, ...]
    lower: float
    upper: float

    @property
    def n(self) -> int:
        return len(self.members)

    @property
    def k(self) -> int:
        return sum(1 for p in self.members if p.affected)

    @property
    def point(self) -> float:
        return self.k / self.n if self.n else 0.0


def segment_reach(
    segments: Sequence[SegmentIn], participants: Sequence[_Participant]
) -> list[_SegmentReach]:
    weights = segment_weights(segments)
    figures = []
    for segment in segments:
        members = tuple(
            p for p in participants if p.segment is not None and p.segment.id == segment.id
        )
        k = sum(1 for p in members if p.affected)
        lower, upper = wilson_interval(k, len(members))
        figures.append(_SegmentReach(segment, weights[segment.id], members, lower, upper))
    return figures


def reach_score(figures: Sequence[_SegmentReach], segment_pains: dict[int, SegmentPain]) -> Reach:
    """Lower bound of the share of the whole base affected, with its point and upper bound."""
    contributions = [
        Contribution(
            kind=ContributionKind.segment,
            label=(
                f"{f.segment.name}: {f.k} of {f.n} asked have it, so at least {_pct(f.lower)}"
                f" of the segment (cautious estimate); the segment is {_pct(f.weight)} of the base"
                if f.n
                else f"{f.segment.name}: nobody asked yet ({_pct(f.weight)} of the base)"
            ),
            amount=_round(100 * f.weight * f.lower),
            segment_id=f.segment.id,
        )
        for f in figures
    ]
    known_sizes = any(f.segment.size is not None for f in figures)

    def accounts(share_of: str) -> float | None:
        if not known_sizes:
            return None
        total = 0.0
        for f in figures:
            share = {"point": f.point, "lower": f.lower, "upper": f.upper}[share_of]
            total += max(f.segment.size or 0, 0) * share
        return _round(total)

    sized = any((f.segment.size or 0) > 0 for f in figures)
    unasked = [
        f"no evidence from {f.segment.name} (size not given)"
        if sized and f.segment.size is None
        else f"no evidence from {f.segment.name}, {_pct(f.weight)} of base"
        for f in figures
        if f.n == 0
    ]
    return Reach(
        value=_round(100 * sum(f.weight * f.lower for f in figures)),
        point=_round(100 * sum(f.weight * f.point for f in figures)),
        # Without segments nothing is known about the base: the upper bound stays at 100.
        upper=_round(100 * sum(f.weight * f.upper for f in figures)) if figures else 100.0,
        affected_accounts=accounts("point"),
        affected_accounts_low=accounts("lower"),
        affected_accounts_high=accounts("upper"),
        contributions=contributions,
        segments=[
            SegmentFigures(
                segment_id=f.segment.id,
                name=f.segment.name,
                size=f.segment.size,
                weight=round(f.weight, 4),
                n=f.n,
                k=f.k,
                point=_round(100 * f.point),
                lower=_round(100 * f.lower),
                upper=_round(100 * f.upper),
                pain=segment_pains[f.segment.id].value,
            )
            for f in figures
        ],
        unasked_segments=unasked,
    )


# --- Assumptions and feasibility --------------------------------------------------------------


def _concluded_order(test: TestIn) -> tuple[int, datetime | int, int]:
    # Tests without a conclusion time go last, by id; comparing None would raise.
    if test.concluded_at is None:
        return (1, test.id, test.id)
    return (0, test.concluded_at, test.id)


def concluded_tests(tests: Iterable[TestIn]) -> list[TestIn]:
    """Concluded tests in the order they concluded (then by id)."""
    return sorted((t for t in tests if t.status is TestStatus.concluded), key=_concluded_order)


def _outcome(test: TestIn) -> TestOutcome:
    """A concluded test without a recorded outcome taught nothing: inconclusive."""
    return test.outcome if test.outcome is not None else TestOutcome.inconclusive


def assumption_states(
    assumptions: Sequence[AssumptionIn], tests: Sequence[TestIn]
) -> dict[int, AssumptionState]:
    """The latest decisive outcome; an inconclusive retest does not undo a clear result."""
    states = {a.id: AssumptionState.untested for a in assumptions}
    for test in tests:
        if test.status is TestStatus.running and states.get(test.assumption_id) is (
            AssumptionState.untested
        ):
            states[test.assumption_id] = AssumptionState.running
    for test in concluded_tests(tests):
        if test.assumption_id not in states:
            continue
        outcome = _outcome(test)
        if outcome is TestOutcome.inconclusive:
            if states[test.assumption_id] not in (
                AssumptionState.validated,
                AssumptionState.invalidated,
            ):
                states[test.assumption_id] = AssumptionState.inconclusive
        else:
            states[test.assumption_id] = AssumptionState(outcome.value)
    return states


def feasibility_score(
    problem: ProblemIn, assumptions: Sequence[AssumptionIn], tests: Sequence[TestIn]
) -> Feasibility:
    """Start from the team's estimate, then apply each concluded feasibility/viability test."""
    relevant = {a.id: a for a in assumptions if a.category in FEASIBILITY_CATEGORIES}
    if problem.feasibility_estimate is None:
        estimate = c.DEFAULT_FEASIBILITY
        label = f"no team estimate, so it starts at {points(estimate)}: neither easy nor hard"
    else:
        estimate = min(max(problem.feasibility_estimate, 0.0), 100.0)
        label = f"team estimate {points(estimate)}"
    contributions = [
        Contribution(kind=ContributionKind.estimate, label=label, amount=_round(estimate))
    ]
    f = estimate
    states: dict[int, AssumptionState] = {}
    for test in concluded_tests(t for t in tests if t.assumption_id in relevant):
        assumption = relevant[test.assumption_id]
        strength = c.METHOD_STRENGTHS[test.method]
        outcome = _outcome(test)
        before = f
        if outcome is TestOutcome.validated:
            f = f + (100 - f) * c.VALIDATED_GAIN * strength
            states[assumption.id] = AssumptionState.validated
        elif outcome is TestOutcome.invalidated:
            f = f * (1 - c.INVALIDATED_LOSS * strength)
            states[assumption.id] = AssumptionState.invalidated
        words = (
            f"{outcome.value} by {METHOD_AFTER_BY[test.method]}"
            f" ({STRENGTH_WORDS.get(strength, 'strength ' + _num(strength))})"
        )
        # The cap holds for as long as a critical assumption stays invalidated.
        blocking = [
            relevant[aid]
            for aid, state in sorted(states.items())
            if state is AssumptionState.invalidated and relevant[aid].critical
        ]
        if blocking and f > c.CRITICAL_INVALIDATED_CAP:
            f = c.CRITICAL_INVALIDATED_CAP
            words += (
                f"; held at {points(f)} at most while the critical assumption"
                f" '{blocking[0].statement}' stays invalidated"
            )
        contributions.append(
            Contribution(
                kind=ContributionKind.test_step,
                label=f"'{assumption.statement}' {words}",
                amount=_round(f - before),
                test_id=test.id,
            )
        )
    return Feasibility(
        value=_round(f),
        estimate=_round(estimate),
        rationale=problem.feasibility_rationale,
        contributions=contributions,
    )


# --- Thresholds -------------------------------------------------------------------------------


def _change_order(change: KillCriteriaChange) -> tuple[object, ...]:
    # Changes at the same instant are ordered by their content, so input order never matters.
    before = astuple(change.before) if change.before is not None else ()
    return (change.changed_at, astuple(change.after), change.before is None, before)


def kill_criteria_history(changes: Iterable[KillCriteriaChange]) -> list[KillCriteriaChange]:
    return sorted(changes, key=_change_order)


def thresholds_in_force(inp: ScoringInput) -> tuple[Thresholds, ThresholdsInForce]:
    """The problem's latest kill criteria when set, otherwise the workspace thresholds."""
    history = kill_criteria_history(inp.kill_criteria)
    if history:
        latest = history[-1]
        t, source, changed_at = latest.after, "kill criteria", latest.changed_at
    else:
        t, source, changed_at = inp.workspace_thresholds, "workspace", None
    return t, ThresholdsInForce(
        pain=t.pain,
        reach=t.reach,
        feasibility=t.feasibility,
        min_participants=t.min_participants,
        source=source,
        changed_at=changed_at,
    )


# --- Confidence -------------------------------------------------------------------------------


def covered_base_share(figures: Sequence[_SegmentReach]) -> float:
    """Share of the base weight in segments with enough participants to speak for them."""
    return sum(f.weight for f in figures if f.n >= c.HIGH_CONFIDENCE_MIN_PER_SEGMENT)


def _level(
    *, participants: int, share: float, tested: int, critical: int, thresholds: Thresholds
) -> Confidence:
    if participants < thresholds.min_participants:
        return Confidence.low
    if (
        participants >= c.HIGH_CONFIDENCE_MIN_PARTICIPANTS
        # a hair of tolerance: float sums such as 1/3 + 1/6 may fall just short of one half
        and share >= c.HIGH_CONFIDENCE_MIN_BASE_SHARE - 1e-9
        and tested == critical
    ):
        return Confidence.high
    return Confidence.medium


def confidence_level(
    *,
    participants: int,
    figures: Sequence[_SegmentReach],
    critical: Sequence[CriticalAssumption],
    thresholds: Thresholds,
) -> ConfidenceAssessment:
    share = covered_base_share(figures)
    tested = sum(1 for a in critical if a.state in TESTED_STATES)
    reasons = [
        f"{_plural(participants, 'participant')} ({thresholds.min_participants} needed for"
        f" medium, {c.HIGH_CONFIDENCE_MIN_PARTICIPANTS} for high)",
        f"segments with {c.HIGH_CONFIDENCE_MIN_PER_SEGMENT} or more participants make up"
        f" {_pct(share)} of the base ({_pct(c.HIGH_CONFIDENCE_MIN_BASE_SHARE)} needed for high)",
        (
            f"{tested} of {_plural(len(critical), 'critical assumption')} tested"
            if critical
            else "no assumption is marked critical yet"
        ),
    ]
    level = _level(
        participants=participants,
        share=share,
        tested=tested,
        critical=len(critical),
        thresholds=thresholds,
    )
    return ConfidenceAssessment(level=level, reasons=reasons)


# --- Recommendation ---------------------------------------------------------------------------


def _at_least_medium(level: Confidence) -> bool:
    return level in (Confidence.medium, Confidence.high)


def recommend(
    *,
    pain: float,
    reach: Reach,
    feasibility: float,
    confidence: ConfidenceAssessment,
    participants: int,
    thresholds: Thresholds,
    figures: Sequence[_SegmentReach],
    segment_pains: Sequence[SegmentPain],
    assumptions: Sequence[AssumptionIn],
    states: dict[int, AssumptionState],
) -> RecommendationAdvice:
    """Halt first, then pivot, pursue, and investigate when the evidence cannot decide yet.

    `would_change_call` is left empty: `what_would_change_call` fills it, asking this function
    again with each change it considers."""
    level = confidence.level
    critical = [a for a in assumptions if a.critical]
    invalidated_critical = [a for a in critical if states[a.id] is AssumptionState.invalidated]
    untested_critical = [a for a in critical if states[a.id] not in TESTED_STATES]
    half = thresholds.pain * c.HALT_PAIN_FRACTION

    halts = [
        f"the critical assumption '{a.statement}' ({a.category.value}) was invalidated"
        for a in invalidated_critical
    ]
    if _at_least_medium(level):
        if pain < half:
            halts.append(
                f"pain {points(pain, half)} is below half its threshold ({points(half)}),"
                f" with {level.value} confidence: enough people were asked to say it hurts"
                " too little"
            )
        if reach.upper < thresholds.reach:
            halts.append(
                f"even the most hopeful reach, {points(reach.upper, thresholds.reach)} %, is"
                f" below its threshold {points(thresholds.reach)} %: too few have this problem"
            )
    # Below half the threshold already says it, with the confidence: one reason, not two.
    if level is Confidence.high and half <= pain < thresholds.pain:
        halts.append(
            f"pain {points(pain, thresholds.pain)} is below its threshold"
            f" {points(thresholds.pain)} with high confidence: many people were asked, and it"
            " does not hurt enough"
        )
    if halts:
        return RecommendationAdvice(value=Recommendation.halt, reasons=halts, would_change_call=[])

    pain_met = pain >= thresholds.pain
    reach_met = reach.value >= thresholds.reach
    feasibility_met = feasibility >= thresholds.feasibility
    pain_words = f"pain {points(pain, thresholds.pain)}"
    reach_words = f"reach {points(reach.value, thresholds.reach)} %"
    feasibility_words = f"feasibility {points(feasibility, thresholds.feasibility)}"

    if _at_least_medium(level) and pain_met and not (reach_met and feasibility_met):
        reasons = [f"{pain_words} meets its threshold {points(thresholds.pain)}"]
        if not reach_met:
            reasons.append(
                f"{reach_words} is below its threshold {points(thresholds.reach)} %: "
                + _pain_concentration(segment_pains, figures)
            )
        if not feasibility_met:
            reasons.append(
                f"{feasibility_words} is below its threshold {points(thresholds.feasibility)}: "
                + _blocking_assumptions(assumptions, states)
            )
        return RecommendationAdvice(
            value=Recommendation.pivot, reasons=reasons, would_change_call=[]
        )

    if (
        _at_least_medium(level)
        and pain_met
        and reach_met
        and feasibility_met
        and not untested_critical
    ):
        reasons = [
            f"{pain_words} meets its threshold {points(thresholds.pain)}",
            f"{reach_words} meets its threshold {points(thresholds.reach)} %",
            f"{feasibility_words} meets its threshold {points(thresholds.feasibility)}",
            f"confidence is {level.value} and every critical assumption is tested",
        ]
        return RecommendationAdvice(
            value=Recommendation.pursue, reasons=reasons, would_change_call=[]
        )

    reasons = []
    if level is Confidence.low:
        reasons.append(
            f"confidence is low: {_plural(participants, 'participant')},"
            f" {thresholds.min_participants} needed before the evidence can decide"
        )
    if not pain_met:
        if level is Confidence.low:
            reasons.append(
                f"{pain_words} is below its threshold {points(thresholds.pain)}, but with low"
                " confidence that is not enough to halt"
            )
        else:
            reasons.append(
                f"{pain_words} is below its threshold {points(thresholds.pain)} but above half"
                f" of it ({points(half)}): with medium confidence only pain below"
                f" {points(half)} halts; pain below {points(thresholds.pain)} halts once"
                " confidence is high"
            )
    if not reach_met:
        reasons.append(f"{reach_words} is below its threshold {points(thresholds.reach)} %")
    if not feasibility_met:
        reasons.append(
            f"{feasibility_words} is below its threshold {points(thresholds.feasibility)}"
        )
    reasons += [
        f"the critical assumption '{a.statement}' is not tested yet" for a in untested_critical
    ]
    return RecommendationAdvice(
        value=Recommendation.investigate, reasons=reasons, would_change_call=[]
    )


def _pain_concentration(
    segment_pains: Sequence[SegmentPain], figures: Sequence[_SegmentReach]
) -> str:
    """The segment where pain is deepest among those with someone affected."""
    candidates = [sp for sp in segment_pains if sp.affected > 0]
    if not candidates:
        return "no segment has an affected participant yet"
    best = max(candidates, key=lambda sp: (sp.value, sp.affected, -sp.segment_id))
    figure = next(f for f in figures if f.segment.id == best.segment_id)
    return (
        f"pain is concentrated in {best.segment_name} (pain {points(best.value)},"
        f" {figure.k} of {figure.n} have it, {_pct(figure.weight)} of the base)"
    )


def _blocking_assumptions(
    assumptions: Sequence[AssumptionIn], states: dict[int, AssumptionState]
) -> str:
    blocking = [
        a
        for a in assumptions
        if a.category in FEASIBILITY_CATEGORIES and states[a.id] is AssumptionState.invalidated
    ]
    if not blocking:
        return "no test has invalidated an assumption; the team's estimate holds it back"
    return "blocked by " + ", ".join(
        f"the {a.category.value} assumption '{a.statement}' (invalidated)" for a in blocking
    )


@dataclass(frozen=True)
class _Situation:
    """What the call is made from; `what_would_change_call` asks again with one thing changed."""

    pain: float
    reach: Reach
    feasibility: float
    level: Confidence
    participants: int
    share: float  # base weight in segments with enough participants
    thresholds: Thresholds
    figures: Sequence[_SegmentReach]
    segment_pains: Sequence[SegmentPain]
    assumptions: Sequence[AssumptionIn]
    states: dict[int, AssumptionState]

    def level_with(
        self, *, participants: int = 0, share: float = 0.0, tested: Iterable[int] = ()
    ) -> Confidence:
        """Confidence with more participants, more covered base or more assumptions tested."""
        critical = [a for a in self.assumptions if a.critical]
        done = {a.id for a in critical if self.states[a.id] in TESTED_STATES} | set(tested)
        return _level(
            participants=self.participants + participants,
            share=self.share + share,
            tested=len(done),
            critical=len(critical),
            thresholds=self.thresholds,
        )

    def call(
        self,
        *,
        pain: float | None = None,
        reach_value: float | None = None,
        reach_upper: float | None = None,
        feasibility: float | None = None,
        level: Confidence | None = None,
        states: dict[int, AssumptionState] | None = None,
    ) -> Recommendation:
        """The call if these figures changed and everything else stayed as it is."""
        reach = self.reach.model_copy(
            update={
                "value": self.reach.value if reach_value is None else reach_value,
                "upper": self.reach.upper if reach_upper is None else reach_upper,
            }
        )
        advice = recommend(
            pain=self.pain if pain is None else pain,
            reach=reach,
            feasibility=self.feasibility if feasibility is None else feasibility,
            confidence=ConfidenceAssessment(level=level or self.level, reasons=[]),
            participants=self.participants,
            thresholds=self.thresholds,
            figures=self.figures,
            segment_pains=self.segment_pains,
            assumptions=self.assumptions,
            states=self.states if states is None else states,
        )
        return advice.value

    def consequence(self, level: Confidence, current: Recommendation) -> str:
        """What the call would be at this confidence if the scores held, and what would stop it."""
        new = self.call(level=level)
        t = self.thresholds
        if new is Recommendation.halt:
            if level is Confidence.high and self.pain < t.pain:
                return (
                    f"with pain at {points(self.pain, t.pain)} the call would become halt"
                    f" unless pain reaches {points(t.pain)}"
                )
            half = t.pain * c.HALT_PAIN_FRACTION
            if self.pain < half:
                return (
                    f"with pain at {points(self.pain, half)} the call would become halt"
                    f" unless pain reaches {points(half)}"
                )
            return (
                f"with reach at most {points(self.reach.upper, t.reach)} % the call would become"
                f" halt unless more of the base turns out to have it (at least {points(t.reach)}"
                " % at best)"
            )
        if new is Recommendation.pursue:
            return (
                f"with pain at {points(self.pain)}, reach at {points(self.reach.value)} % and"
                f" feasibility at {points(self.feasibility)} the call would become pursue"
            )
        if new is Recommendation.pivot:
            short = [
                f"{name} at {points(value, bar)}{unit} below its threshold {points(bar)}{unit}"
                for name, value, bar, unit in (
                    ("reach", self.reach.value, t.reach, " %"),
                    ("feasibility", self.feasibility, t.feasibility, ""),
                )
                if value < bar
            ]
            return (
                f"with pain at {points(self.pain, t.pain)} but {' and '.join(short)},"
                " the call would become pivot"
            )
        if new is current:
            return f"the call stays {current.value} if the scores hold"
        return f"the call would become {new.value} if the scores hold"


def what_would_change_call(situation: _Situation, current: Recommendation) -> list[str]:
    """Each change of evidence that would move the call, in either direction, with the call it
    leads to: the engine asks itself again with that one change."""
    s, t = situation, situation.thresholds
    wanted: list[str] = []
    if s.level is not Confidence.high:
        if s.level is Confidence.low:
            missing = t.min_participants - s.participants
        else:
            missing = max(c.HIGH_CONFIDENCE_MIN_PARTICIPANTS - s.participants, 0)
        if missing:
            level = s.level_with(participants=missing)
            change = (
                f"confidence becomes {level.value}"
                if level is not s.level
                else f"confidence stays {level.value} (high also needs half the base in"
                " well-covered segments and every critical assumption tested)"
            )
            wanted.append(
                f"{_plural(missing, 'more participant')}: {change}; {s.consequence(level, current)}"
            )
        # Cover the heaviest thin segments until half the base is spoken for.
        share, added = s.share, 0
        thin = sorted(
            (f for f in s.figures if f.n < c.HIGH_CONFIDENCE_MIN_PER_SEGMENT and f.weight > 0),
            key=lambda f: (-f.weight, f.segment.id),
        )
        for f in thin:
            if share >= c.HIGH_CONFIDENCE_MIN_BASE_SHARE - 1e-9:
                break
            more = c.HIGH_CONFIDENCE_MIN_PER_SEGMENT - f.n
            share += f.weight
            added += more
            level = s.level_with(participants=added, share=share - s.share)
            wanted.append(
                f"{_plural(more, 'more participant')} in {f.segment.name}"
                f" ({_pct(f.weight)} of the base): confidence becomes {level.value};"
                f" {s.consequence(level, current)}"
            )
    for a in (x for x in s.assumptions if x.critical and s.states[x.id] not in TESTED_STATES):
        level = s.level_with(tested=[a.id])
        held = s.call(level=level, states=s.states | {a.id: AssumptionState.validated})
        failed = s.call(level=level, states=s.states | {a.id: AssumptionState.invalidated})
        verb = (
            "conclude the running test of" if s.states[a.id] is AssumptionState.running else "test"
        )
        wanted.append(
            f"{verb} the critical assumption '{a.statement}': if it holds, the call"
            f" {_becomes(held, current)}; if it fails, it {_becomes(failed, current)}"
        )
    wanted += _score_changes(s, current)
    return wanted


def _becomes(new: Recommendation, current: Recommendation) -> str:
    return f"stays {current.value}" if new is current else f"becomes {new.value}"


def _score_changes(s: _Situation, current: Recommendation) -> list[str]:
    """Each score crossing a threshold, up or down, that would move the call."""
    t = s.thresholds
    below = 0.01  # figures are kept to two decimals: this is just under the bar
    candidates: list[tuple[str, dict[str, Any]]] = []
    half = t.pain * c.HALT_PAIN_FRACTION
    # The nearest bar first: crossing the farther one only counts when it leads elsewhere.
    bars = (half, t.pain) if _at_least_medium(s.level) else (t.pain,)
    for bar in sorted(bars, key=lambda b: abs(b - s.pain)):
        if s.pain >= bar:
            candidates.append(
                (
                    f"pain falling below {points(bar)} (now {points(s.pain, bar)})",
                    {"pain": bar - below},
                )
            )
        else:
            candidates.append(
                (f"pain rising to {points(bar)} (now {points(s.pain, bar)})", {"pain": bar})
            )
    if s.reach.value >= t.reach:
        candidates.append(
            (
                f"reach falling below {points(t.reach)} % (now {points(s.reach.value, t.reach)} %)",
                {"reach_value": t.reach - below},
            )
        )
    else:
        candidates.append(
            (
                f"reach rising to {points(t.reach)} % (now {points(s.reach.value, t.reach)} %)",
                {"reach_value": t.reach, "reach_upper": max(s.reach.upper, t.reach)},
            )
        )
    if s.reach.upper < t.reach:
        candidates.append(
            (
                f"the most hopeful reach rising to {points(t.reach)} %"
                f" (now {points(s.reach.upper, t.reach)} %)",
                {"reach_upper": t.reach},
            )
        )
    if s.feasibility >= t.feasibility:
        candidates.append(
            (
                f"feasibility falling below {points(t.feasibility)}"
                f" (now {points(s.feasibility, t.feasibility)})",
                {"feasibility": t.feasibility - below},
            )
        )
    else:
        candidates.append(
            (
                f"feasibility rising to {points(t.feasibility)}"
                f" (now {points(s.feasibility, t.feasibility)})",
                {"feasibility": t.feasibility},
            )
        )
    wanted = []
    calls_seen: set[tuple[str, Recommendation]] = set()
    for words, change in candidates:
        new = s.call(**change)
        if new is not current and (words.split()[0], new) not in calls_seen:
            calls_seen.add((words.split()[0], new))
            wanted.append(f"{words}: the call would become {new.value}")
    # Several reasons may hold a call alone: then only together do the changes move it.
    raising: list[tuple[str, dict[str, Any]]] = []
    for words, change in candidates:
        first = words.split(" (")[0].rsplit(" rising to", 1)[0]
        # the nearest pain bar only; reach rising lifts its most hopeful figure too
        lifted = first == "the most hopeful reach" and any("reach" in w for w, _ in raising)
        if (
            " rising to " in words
            and not lifted
            and not any(w.startswith(first) for w, _ in raising)
        ):
            raising.append((words, change))
    if not wanted and len(raising) > 1:
        together: dict[str, Any] = {}
        for _, change in raising:
            together |= change
        new = s.call(**together)
        if new is not current:
            wanted.append(
                " and ".join(w for w, _ in raising)
                + f", together: the call would become {new.value}"
            )
    return wanted


# --- Bias guards ------------------------------------------------------------------------------


def bias_flags(
    inp: ScoringInput,
    *,
    evidence: Sequence[EvidenceIn],
    participants: Sequence[_Participant],
    segments: Sequence[SegmentIn],
) -> list[BiasFlag]:
    flags: list[BiasFlag] = []
    supporting = [e for e in evidence if effective_stance(e) is Stance.supports]
    contradicting = [e for e in evidence if effective_stance(e) is Stance.contradicts]
    affected = [p for p in participants if p.affected]

    # single_source: one logger wrote most of the supporting evidence.
    loggers = Counter(e.logged_by for e in supporting if e.logged_by is not None)
    if len(supporting) >= c.SINGLE_SOURCE_MIN_ITEMS and loggers:
        logger, count = min(loggers.items(), key=lambda kv: (-kv[1], kv[0]))
        if count >= c.SINGLE_SOURCE_SHARE * len(supporting):
            flags.append(
                BiasFlag(
                    code=BiasCode.single_source,
                    message=(
                        f"{inp.member_name(logger)} logged {count} of {len(supporting)}"
                        f" supporting items ({_pct(count / len(supporting))}):"
                        " ask someone else to gather evidence"
                    ),
                    evidence_ids=[e.id for e in supporting if e.logged_by == logger],
                )
            )

    owner = inp.problem.owner_id
    if owner is not None and evidence and all(e.logged_by == owner for e in evidence):
        flags.append(
            BiasFlag(
                code=BiasCode.owner_only,
                message=(
                    f"only the problem's owner logged evidence ({_plural(len(evidence), 'item')})"
                ),
                evidence_ids=[e.id for e in evidence],
            )
        )

    if (
        len(participants) >= c.NO_DISCONFIRMING_MIN_PARTICIPANTS
        and not contradicting
        and all(p.affected for p in participants)
    ):
        flags.append(
            BiasFlag(
                code=BiasCode.no_disconfirming,
                message=(
                    f"all {len(participants)} participants are affected and nobody contradicts:"
                    " look for people who do not have this problem"
                ),
                participant_ids=[p.id for p in participants],
            )
        )

    if len(affected) >= c.OPINIONS_ONLY_MIN_AFFECTED and not any(
        item.signal.is_behavioural
        for p in affected
        for item in p.items
        if effective_stance(item) is Stance.supports
    ):
        flags.append(
            BiasFlag(
                code=BiasCode.opinions_only,
                message=(
                    f"{len(affected)} affected participants, but none pays, switched, keeps a"
                    " workaround or is searching: people say it hurts but do nothing"
                ),
                participant_ids=[p.id for p in affected],
            )
        )

    asked_segments = sorted({p.segment.id for p in participants if p.segment is not None})
    if len(asked_segments) == 1 and len(segments) > 1:
        only = next(s for s in segments if s.id == asked_segments[0])
        others = ", ".join(s.name for s in segments if s.id != only.id)
        flags.append(
            BiasFlag(
                code=BiasCode.narrow_segment,
                message=f"all evidence comes from {only.name}; the base also has {others}",
                participant_ids=[
                    p.id for p in participants if p.segment is not None and p.segment.id == only.id
                ],
            )
        )

    if evidence:
        newest = max(e.seen_on for e in evidence)
        age = (inp.as_of.date() - newest).days
        if age > c.STALE_AFTER_DAYS:
            flags.append(
                BiasFlag(
                    code=BiasCode.stale,
                    message=(
                        f"the newest evidence is from {newest.isoformat()}, {age} days old"
                        f" (more than {c.STALE_AFTER_DAYS})"
                    ),
                    evidence_ids=[e.id for e in evidence if e.seen_on == newest],
                )
            )

    unsegmented = [p for p in participants if p.segment is None]
    if unsegmented:
        flags.append(
            BiasFlag(
                code=BiasCode.unsegmented,
                message=(
                    f"{_plural(len(unsegmented), 'participant')} without a segment ("
                    + ", ".join(p.name for p in unsegmented)
                    + "): they count for confidence, not for reach"
                ),
                participant_ids=[p.id for p in unsegmented],
            )
        )

    moved = goalposts_moved(inp, evidence=evidence)
    if moved is not None:
        flags.append(moved)

    against = against_evidence(inp)
    if against is not None:
        flags.append(against)
    return flags


_THRESHOLD_NAMES = {
    "pain": "pain threshold",
    "reach": "reach threshold",
    "feasibility": "feasibility threshold",
    "min_participants": "minimum participants",
}


def goalposts_moved(inp: ScoringInput, *, evidence: Sequence[EvidenceIn]) -> BiasFlag | None:
    """Kill criteria loosened once evidence existed; tightening is always fine."""
    changes: list[str] = []
    evidence_ids: set[int] = set()
    in_force = inp.workspace_thresholds
    for change in kill_criteria_history(inp.kill_criteria):
        before = change.before if change.before is not None else in_force
        existing = [e for e in evidence if e.logged_at < change.changed_at]
        if existing:
            for name, words in _THRESHOLD_NAMES.items():
                old, new = getattr(before, name), getattr(change.after, name)
                if new < old:
                    changes.append(
                        f"{words} lowered from {_num(old)} to {_num(new)} on"
                        f" {change.changed_at.date().isoformat()} after"
                        f" {_plural(len(existing), 'evidence item')} existed"
                    )
                    evidence_ids.update(e.id for e in existing)
        in_force = change.after
    if not changes:
        return None
    return BiasFlag(
        code=BiasCode.goalposts_moved,
        message="; ".join(changes),
        evidence_ids=sorted(evidence_ids),
    )


def against_evidence(inp: ScoringInput) -> BiasFlag | None:
    """Decisions that went against the recommendation; parking never does."""
    against = [
        d
        for d in sorted(inp.decisions, key=lambda d: (d.decided_at, d.id))
        if d.kind is not DecisionKind.park
        and d.recommendation is not None
        and d.kind.value != d.recommendation.value
    ]
    if not against:
        return None
    return BiasFlag(
        code=BiasCode.against_evidence,
        message="; ".join(
            f"decision {d.id} to {d.kind.value} on {d.decided_at.date().isoformat()} went against"
            f" the recommendation to {d.recommendation.value if d.recommendation else ''}"
            for d in against
        ),
        decision_ids=[d.id for d in against],
    )


# --- The scorecard ----------------------------------------------------------------------------


def compute_scorecard(inp: ScoringInput) -> Scorecard:
    """Score one problem from its evidence, tests, thresholds and decisions."""
    segments = sorted(inp.segments, key=lambda s: s.id)
    evidence = sorted(inp.evidence, key=lambda e: e.id)
    assumptions = sorted(inp.assumptions, key=lambda a: a.id)
    tests = sorted(inp.tests, key=lambda t: t.id)
    thresholds, thresholds_out = thresholds_in_force(inp)

    participants = participants_in_scope(inp)
    pain = pain_depth(participants)
    figures = segment_reach(segments, participants)
    segment_pains = {
        f.segment.id: _segment_pain(f.segment, pain_depth(f.members), f.k) for f in figures
    }
    reach = reach_score(figures, segment_pains)
    feasibility = feasibility_score(inp.problem, assumptions, tests)

    states = assumption_states(assumptions, tests)
    critical = [
        CriticalAssumption(
            assumption_id=a.id, statement=a.statement, category=a.category, state=states[a.id]
        )
        for a in assumptions
        if a.critical
    ]
    confidence = confidence_level(
        participants=len(participants), figures=figures, critical=critical, thresholds=thresholds
    )
    recommendation = recommend(
        pain=pain.value,
        reach=reach,
        feasibility=feasibility.value,
        confidence=confidence,
        participants=len(participants),
        thresholds=thresholds,
        figures=figures,
        segment_pains=list(segment_pains.values()),
        assumptions=assumptions,
        states=states,
    )
    situation = _Situation(
        pain=pain.value,
        reach=reach,
        feasibility=feasibility.value,
        level=confidence.level,
        participants=len(participants),
        share=covered_base_share(figures),
        thresholds=thresholds,
        figures=figures,
        segment_pains=list(segment_pains.values()),
        assumptions=assumptions,
        states=states,
    )
    recommendation = recommendation.model_copy(
        update={"would_change_call": what_would_change_call(situation, recommendation.value)}
    )
    return Scorecard(
        problem_id=inp.problem.id,
        as_of=inp.as_of,
        pain=pain,
        segment_pain=list(segment_pains.values()),
        reach=reach,
        feasibility=feasibility,
        confidence=confidence,
        recommendation=recommendation,
        flags=bias_flags(inp, evidence=evidence, participants=participants, segments=segments),
        participants=[
            ParticipantValue(
                participant_id=p.id,
                name=p.name,
                segment_id=p.segment.id if p.segment else None,
                segment_name=p.segment.name if p.segment else None,
                x=_round(p.x),
                affected=p.affected,
                set_by_evidence_id=p.strongest.id if p.strongest else None,
                capped_by_evidence_id=p.cap_item.id if p.cap_item else None,
                evidence_ids=[e.id for e in p.items],
            )
            for p in participants
        ],
        thresholds=thresholds_out,
        counts=Counts(
            participants=len(participants),
            affected=sum(1 for p in participants if p.affected),
            unsegmented_participants=sum(1 for p in participants if p.segment is None),
            evidence_items=len(evidence),
            supporting=sum(1 for e in evidence if effective_stance(e) is Stance.supports),
            contradicting=sum(1 for e in evidence if effective_stance(e) is Stance.contradicts),
        ),
        critical_assumptions=critical,
        missing=missing_evidence(evidence=evidence, participants=participants, segments=segments),
    )


def missing_evidence(
    *,
    evidence: Sequence[EvidenceIn],
    participants: Sequence[_Participant],
    segments: Sequence[SegmentIn],
) -> list[MissingNote]:
    """What the card does not know, said plainly, with the weight the model gives instead."""
    missing: list[MissingNote] = []
    if not evidence and not participants:
        missing.append(
            MissingNote(label="no evidence yet: the scores are starting points, not measurements")
        )
    unrated = [e for e in evidence if e.signal is Signal.stated and e.severity is None]
    if unrated:
        missing.append(
            MissingNote(
                label=f"{_plural(len(unrated), 'stated pain')} without a severity: each counts"
                f" as the mildest stated pain (weighs {_pct(signal_weight(Signal.stated))});"
                f" record a severity to weigh {'it' if len(unrated) == 1 else 'them'} properly",
                evidence_ids=[e.id for e in unrated],
            )
        )
    note = unsized_segments_note(
        [s.name for s in segments if s.size is None or s.size <= 0], len(segments)
    )
    if note is not None:
        missing.append(MissingNote(label=note))
    for p in participants:
        if p.strongest is not None and p.cap_item is not None and not p.affected:
            missing.append(
                MissingNote(
                    label=f"{p.name}: their support “{_short(p.strongest.quote)}” is cancelled"
                    f" by their own contradicting item “{_short(p.cap_item.quote)}”"
                    f" ({SIGNAL_DEEDS[p.cap_item.signal]})",
                    participant_id=p.id,
                    evidence_ids=[p.strongest.id, p.cap_item.id],
                )
            )
    return missing


def _segment_pain(segment: SegmentIn, score: Score, affected: int) -> SegmentPain:
    return SegmentPain(
        segment_id=segment.id,
        segment_name=segment.name,
        affected=affected,
        value=score.value,
        contributions=score.contributions,
    )

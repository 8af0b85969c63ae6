"""Worked examples of the scorecard, each computed by hand in the test (see scoring.md)."""

import itertools
import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pytest

from app.enums import (
    AssumptionCategory,
    Confidence,
    DecisionKind,
    Frequency,
    Recommendation,
    Signal,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.scoring import (
    AssumptionIn,
    AssumptionState,
    BiasCode,
    ContributionKind,
    CoverageIn,
    DecisionIn,
    EvidenceIn,
    KillCriteriaChange,
    ParticipantIn,
    ProblemIn,
    Scorecard,
    ScoringInput,
    SegmentIn,
    TestIn,
    Thresholds,
    compute_scorecard,
    wilson_interval,
)

Z = 1.645
A, M = 2, 0.3  # the prior: pseudo-participants and their value
AS_OF = datetime(2026, 3, 10, 12, 0)
LOGGED = datetime(2026, 3, 1, 9, 0)
OWNER = 1

_ids = itertools.count(1000)


def wilson_lower(k: int, n: int) -> float:
    """The Wilson lower bound written out again, independently of the engine."""
    p = k / n
    return (p + Z**2 / (2 * n) - Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))) / (
        1 + Z**2 / n
    )


def item(
    participant_id: int | None,
    signal: Signal,
    *,
    id: int | None = None,
    severity: int | None = None,
    frequency: Frequency | None = None,
    logged_by: int | None = 2,
    logged_at: datetime = LOGGED,
    observed_on: date | None = None,
) -> EvidenceIn:
    return EvidenceIn(
        id=next(_ids) if id is None else id,
        participant_id=participant_id,
        interview_id=None,
        stance=signal.stance,
        signal=signal,
        severity=severity,
        frequency=frequency,
        logged_by=logged_by,
        logged_at=logged_at,
        observed_on=observed_on,
        quote=f"{signal.value} quote",
    )


def covered(participant_id: int) -> CoverageIn:
    return CoverageIn(
        interview_id=next(_ids), participant_id=participant_id, occurred_on=date(2026, 3, 1)
    )


def people(ids: Iterable[int], segment_id: int | None = 1) -> tuple[ParticipantIn, ...]:
    return tuple(ParticipantIn(id=i, name=f"P{i}", segment_id=segment_id) for i in ids)


def assumption(
    id: int,
    statement: str,
    *,
    category: AssumptionCategory = AssumptionCategory.feasibility,
    critical: bool = False,
) -> AssumptionIn:
    return AssumptionIn(id=id, statement=statement, category=category, critical=critical)


def concluded(
    id: int, assumption_id: int, method: TestMethod, outcome: TestOutcome, *, day: int = 1
) -> TestIn:
    return TestIn(
        id=id,
        assumption_id=assumption_id,
        method=method,
        status=TestStatus.concluded,
        outcome=outcome,
        concluded_at=datetime(2026, 2, day),
    )


def scoring_input(
    *,
    segments: tuple[SegmentIn, ...] = (SegmentIn(id=1, name="Enterprise", size=None),),
    participants: tuple[ParticipantIn, ...] = (),
    coverage: tuple[CoverageIn, ...] = (),
    evidence: tuple[EvidenceIn, ...] = (),
    assumptions: tuple[AssumptionIn, ...] = (),
    tests: tuple[TestIn, ...] = (),
    kill_criteria: tuple[KillCriteriaChange, ...] = (),
    decisions: tuple[DecisionIn, ...] = (),
    feasibility_estimate: float | None = None,
    thresholds: Thresholds = Thresholds(),
    as_of: datetime = AS_OF,
) -> ScoringInput:
    if not participants:
        ids = {e.participant_id for e in evidence} | {c.participant_id for c in coverage}
        participants = people(sorted(i for i in ids if i is not None))
    return ScoringInput(
        problem=ProblemIn(
            id=7,
            title="Month-end close takes days",
            owner_id=OWNER,
            feasibility_estimate=feasibility_estimate,
            feasibility_rationale=None,
        ),
        workspace_thresholds=thresholds,
        segments=segments,
        participants=participants,
        coverage=coverage,
        evidence=evidence,
        assumptions=assumptions,
        tests=tests,
        kill_criteria=kill_criteria,
        decisions=decisions,
        as_of=as_of,
    )


def payers(ids: Iterable[int], signal: Signal = Signal.paid) -> tuple[EvidenceIn, ...]:
    return tuple(item(i, signal) for i in ids)


def assert_explained(card: Scorecard) -> None:
    scores = [card.pain, card.reach, card.feasibility, *card.segment_pain]
    for score in scores:
        total = sum(c.amount for c in score.contributions)
        assert total == pytest.approx(score.value, abs=0.01 * len(score.contributions))


def flag_codes(card: Scorecard) -> set[BiasCode]:
    return {f.code for f in card.flags}


# --- Pain depth -------------------------------------------------------------------------------


def test_prior_alone_gives_pain_30() -> None:
    card = compute_scorecard(scoring_input())
    expected = 100 * (A * M) / (0 + A)
    assert card.pain.value == pytest.approx(expected) == 30
    assert [c.kind for c in card.pain.contributions] == [ContributionKind.prior]
    assert card.reach.value == 0
    assert card.confidence.level is Confidence.low


def test_five_participants_who_all_pay_reach_80() -> None:
    card = compute_scorecard(scoring_input(evidence=payers(range(1, 6))))
    expected = 100 * (5 * 1.0 + A * M) / (5 + A)
    assert expected == pytest.approx(80)
    assert card.pain.value == pytest.approx(expected)
    prior, *per_person = card.pain.contributions
    assert prior.amount == pytest.approx(100 * A * M / 7, abs=0.005)
    assert [c.amount for c in per_person] == [pytest.approx(100 * 1.0 / 7, abs=0.005)] * 5
    assert_explained(card)


@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_stated_pain_weighs_by_severity(severity: int) -> None:
    card = compute_scorecard(scoring_input(evidence=(item(1, Signal.stated, severity=severity),)))
    x = 0.2 + 0.1 * severity
    assert card.participants[0].x == pytest.approx(x)
    assert card.pain.value == pytest.approx(100 * (x + A * M) / (1 + A), abs=0.005)


@pytest.mark.parametrize(
    ("signal", "weight"),
    [
        (Signal.paid, 1.0),
        (Signal.switched, 1.0),
        (Signal.workaround, 0.8),
        (Signal.searching, 0.8),
        (Signal.mentioned, 0.3),
    ],
)
def test_signal_weights(signal: Signal, weight: float) -> None:
    card = compute_scorecard(scoring_input(evidence=(item(1, signal),)))
    assert card.participants[0].x == pytest.approx(weight)


@pytest.mark.parametrize(
    ("frequency", "multiplier"),
    [
        (Frequency.daily, 1.0),
        (Frequency.weekly, 1.0),
        (Frequency.monthly, 0.85),
        (Frequency.rarely, 0.6),
        (None, 1.0),
    ],
)
def test_frequency_multiplies_the_weight(frequency: Frequency | None, multiplier: float) -> None:
    card = compute_scorecard(
        scoring_input(evidence=(item(1, Signal.workaround, frequency=frequency),))
    )
    x = 0.8 * multiplier
    assert card.participants[0].x == pytest.approx(x)
    assert card.pain.value == pytest.approx(100 * (x + A * M) / (1 + A), abs=0.005)


@pytest.mark.parametrize(
    ("supporting", "contradicting", "x", "capped"),
    [
        (Signal.paid, [Signal.no_action], 0.3, True),
        (Signal.paid, [Signal.not_a_priority], 0.2, True),
        (Signal.paid, [Signal.no_action, Signal.not_a_priority], 0.2, True),
        (Signal.mentioned, [Signal.no_action], 0.3, False),  # the cap is not below 0.3
        (Signal.workaround, [Signal.not_experienced], 0.0, True),
    ],
)
def test_contradicting_signals_cap_the_participant(
    supporting: Signal, contradicting: list[Signal], x: float, capped: bool
) -> None:
    strong = item(1, supporting, id=1)
    caps = tuple(item(1, signal, id=10 + i) for i, signal in enumerate(contradicting))
    card = compute_scorecard(scoring_input(evidence=(strong, *caps)))
    value = card.participants[0]
    assert value.x == pytest.approx(x)
    assert value.set_by_evidence_id == 1
    # the smallest cap wins: the last one listed above is the smallest
    assert value.capped_by_evidence_id == (caps[-1].id if capped else None)


def test_not_experienced_means_not_affected() -> None:
    evidence = (item(1, Signal.paid), item(1, Signal.not_experienced), item(2, Signal.paid))
    card = compute_scorecard(scoring_input(evidence=evidence))
    assert [p.affected for p in card.participants] == [False, True]
    assert card.pain.value == pytest.approx(100 * (1.0 + A * M) / (1 + A), abs=0.005)
    assert card.counts.affected == 1
    assert card.counts.participants == 2
    # one of two asked in the segment is affected
    assert card.reach.value == pytest.approx(100 * wilson_lower(1, 2), abs=0.005)


def test_one_talkative_participant_counts_once() -> None:
    quotes = (*(item(1, Signal.mentioned) for _ in range(9)), item(1, Signal.workaround))
    card = compute_scorecard(scoring_input(evidence=quotes))
    assert card.counts.participants == 1
    assert card.counts.evidence_items == 10
    assert card.pain.value == pytest.approx(100 * (0.8 + A * M) / (1 + A), abs=0.005)
    assert len(card.pain.contributions) == 2  # the prior and one participant


def test_covered_without_evidence_is_an_unaffected_participant() -> None:
    card = compute_scorecard(
        scoring_input(evidence=(item(1, Signal.paid),), coverage=(covered(2),))
    )
    assert card.counts.participants == 2
    assert [p.x for p in card.participants] == [1.0, 0.0]
    assert card.pain.value == pytest.approx(100 * (1.0 + A * M) / (1 + A), abs=0.005)


def test_evidence_without_participant_counts_nowhere_but_the_counts() -> None:
    card = compute_scorecard(scoring_input(evidence=(item(None, Signal.paid),)))
    assert card.counts.participants == 0
    assert card.counts.evidence_items == 1
    assert card.pain.value == 30


# --- Segment reach ----------------------------------------------------------------------------


def test_wilson_known_value() -> None:
    k, n = 3, 10
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    lower, upper = wilson_interval(k, n, Z)
    assert lower == pytest.approx(centre - half)
    assert upper == pytest.approx(centre + half)
    assert (lower, upper) == pytest.approx((0.1269, 0.5583), abs=1e-4)


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(10, 10)[0] == pytest.approx(10 / (10 + Z**2))


def test_reach_weights_segments_by_size() -> None:
    segments = (SegmentIn(1, "Enterprise", 30), SegmentIn(2, "SMB", 70))
    participants = people([1, 2, 3], 1) + people([4, 5, 6, 7], 2)
    evidence = payers([1, 2, 3, 4])
    card = compute_scorecard(
        scoring_input(
            segments=segments,
            participants=participants,
            evidence=evidence,
            coverage=(covered(5), covered(6), covered(7)),
        )
    )
    expected = 100 * (0.3 * wilson_lower(3, 3) + 0.7 * wilson_lower(1, 4))
    assert card.reach.value == pytest.approx(expected, abs=0.005)
    assert card.reach.point == pytest.approx(100 * (0.3 * 3 / 3 + 0.7 * 1 / 4))
    assert [c.amount for c in card.reach.contributions] == [
        pytest.approx(100 * 0.3 * wilson_lower(3, 3), abs=0.005),
        pytest.approx(100 * 0.7 * wilson_lower(1, 4), abs=0.005),
    ]
    assert card.reach.affected_accounts == pytest.approx(30 * 3 / 3 + 70 * 1 / 4)
    assert card.reach.affected_accounts_low == pytest.approx(
        30 * wilson_lower(3, 3) + 70 * wilson_lower(1, 4), abs=0.005
    )
    upper_smb = wilson_interval(1, 4)[1]
    assert card.reach.affected_accounts_high == pytest.approx(30 + 70 * upper_smb, abs=0.005)
    assert card.reach.upper == pytest.approx(100 * (0.3 + 0.7 * upper_smb), abs=0.005)
    smb = card.reach.segments[1]
    assert (smb.name, smb.weight, smb.n, smb.k) == ("SMB", 0.7, 4, 1)
    assert smb.pain == pytest.approx(100 * (1.0 + A * M) / (1 + A), abs=0.005)
    assert card.segment_pain[0].value == pytest.approx(100 * (3 + A * M) / (3 + A), abs=0.005)
    assert_explained(card)


def test_segments_weigh_equally_without_sizes() -> None:
    segments = (SegmentIn(1, "Enterprise", None), SegmentIn(2, "SMB", None))
    card = compute_scorecard(
        scoring_input(segments=segments, participants=people([1, 2]), evidence=payers([1, 2]))
    )
    assert [s.weight for s in card.reach.segments] == [0.5, 0.5]
    assert card.reach.value == pytest.approx(100 * 0.5 * wilson_lower(2, 2), abs=0.005)
    assert card.reach.affected_accounts is None
    assert card.reach.unasked_segments == ["no evidence from SMB, 50 % of base"]


def test_unasked_segment_is_named_with_its_share_of_base() -> None:
    segments = (SegmentIn(1, "Enterprise", 55), SegmentIn(2, "SMB", 45))
    card = compute_scorecard(scoring_input(segments=segments, evidence=payers([1, 2, 3])))
    assert card.reach.unasked_segments == ["no evidence from SMB, 45 % of base"]
    smb = card.reach.segments[1]
    assert (smb.n, smb.lower, smb.upper) == (0, 0.0, 100.0)
    assert card.reach.contributions[1].amount == 0


def test_a_missing_size_weighs_nothing_beside_known_sizes() -> None:
    segments = (SegmentIn(1, "Enterprise", 40), SegmentIn(2, "Partners", None))
    card = compute_scorecard(scoring_input(segments=segments, evidence=payers([1])))
    assert [s.weight for s in card.reach.segments] == [1.0, 0.0]
    assert card.reach.unasked_segments == ["no evidence from Partners (size not given)"]


def test_unsegmented_participants_count_for_confidence_not_reach() -> None:
    card = compute_scorecard(
        scoring_input(participants=people(range(1, 6), None), evidence=payers(range(1, 6)))
    )
    assert card.reach.value == 0
    assert card.counts.participants == 5
    assert card.counts.unsegmented_participants == 5
    assert card.confidence.level is Confidence.medium
    assert BiasCode.unsegmented in flag_codes(card)
    assert card.pain.value == pytest.approx(80)


def test_without_segments_reach_is_unknown_not_small() -> None:
    card = compute_scorecard(
        scoring_input(
            segments=(), participants=people(range(1, 6), None), evidence=payers(range(1, 6))
        )
    )
    assert (card.reach.value, card.reach.upper) == (0, 100)
    assert card.recommendation.value is Recommendation.pivot  # never a halt on reach
    assert "no segment has an affected participant yet" in card.recommendation.reasons[1]


# --- Feasibility ------------------------------------------------------------------------------

STRENGTHS = [
    (TestMethod.interview, 0.25),
    (TestMethod.survey, 0.25),
    (TestMethod.prototype, 0.5),
    (TestMethod.usability_test, 0.5),
    (TestMethod.technical_spike, 0.75),
    (TestMethod.pre_sale, 1.0),
    (TestMethod.letter_of_intent, 1.0),
    (TestMethod.pilot, 1.0),
    (TestMethod.concierge, 1.0),
    (TestMethod.production_data, 1.0),
]


@pytest.mark.parametrize(("method", "strength"), STRENGTHS)
def test_validated_test_closes_part_of_the_gap(method: TestMethod, strength: float) -> None:
    card = compute_scorecard(
        scoring_input(
            feasibility_estimate=40,
            assumptions=(assumption(1, "We can parse their ledgers"),),
            tests=(concluded(1, 1, method, TestOutcome.validated),),
        )
    )
    expected = 40 + (100 - 40) * 0.5 * strength
    assert card.feasibility.value == pytest.approx(expected)
    assert [c.amount for c in card.feasibility.contributions] == [
        40,
        pytest.approx(expected - 40),
    ]


@pytest.mark.parametrize(("method", "strength"), STRENGTHS)
def test_invalidated_test_removes_a_share(method: TestMethod, strength: float) -> None:
    card = compute_scorecard(
        scoring_input(
            assumptions=(assumption(1, "Pays per seat", category=AssumptionCategory.viability),),
            tests=(concluded(1, 1, method, TestOutcome.invalidated),),
        )
    )
    assert card.feasibility.value == pytest.approx(50 * (1 - 0.6 * strength))


@pytest.mark.parametrize(
    ("method", "words"),
    [
        (TestMethod.interview, "validated by an interview"),
        (TestMethod.pilot, "validated by a pilot"),
        (TestMethod.production_data, "validated by production data"),
    ],
)
def test_a_test_reads_with_its_article(method: TestMethod, words: str) -> None:
    card = compute_scorecard(
        scoring_input(
            assumptions=(assumption(1, "We can parse their ledgers"),),
            tests=(concluded(1, 1, method, TestOutcome.validated),),
        )
    )
    assert words in card.feasibility.contributions[1].label


def test_feasibility_applies_tests_in_the_order_they_concluded() -> None:
    tests = (
        concluded(1, 1, TestMethod.pilot, TestOutcome.validated, day=20),
        concluded(2, 2, TestMethod.technical_spike, TestOutcome.invalidated, day=5),
        concluded(3, 1, TestMethod.survey, TestOutcome.inconclusive, day=25),
        TestIn(4, 1, TestMethod.pilot, TestStatus.running, None, None),
    )
    card = compute_scorecard(
        scoring_input(
            feasibility_estimate=70,
            assumptions=(assumption(1, "Ledgers parse"), assumption(2, "Bank API is open")),
            tests=tests,
        )
    )
    after_spike = 70 * (1 - 0.6 * 0.75)
    after_pilot = after_spike + (100 - after_spike) * 0.5 * 1.0
    assert card.feasibility.value == pytest.approx(after_pilot, abs=0.005)
    steps = card.feasibility.contributions
    assert [s.test_id for s in steps] == [None, 2, 1, 3]
    assert [s.amount for s in steps] == [
        70,
        pytest.approx(after_spike - 70, abs=0.005),
        pytest.approx(after_pilot - after_spike, abs=0.005),
        0,
    ]
    assert_explained(card)


def test_desirability_tests_do_not_move_feasibility() -> None:
    card = compute_scorecard(
        scoring_input(
            assumptions=(assumption(1, "They want it", category=AssumptionCategory.desirability),),
            tests=(concluded(1, 1, TestMethod.pilot, TestOutcome.validated),),
        )
    )
    assert card.feasibility.value == 50


def test_critical_invalidated_caps_feasibility_at_20_while_it_stands() -> None:
    card = compute_scorecard(
        scoring_input(
            feasibility_estimate=80,
            assumptions=(
                assumption(1, "IT will approve SSO", critical=True),
                assumption(2, "Ledgers parse"),
            ),
            tests=(
                concluded(1, 1, TestMethod.interview, TestOutcome.invalidated, day=1),
                concluded(2, 2, TestMethod.pilot, TestOutcome.validated, day=2),
            ),
        )
    )
    uncapped = 80 * (1 - 0.6 * 0.25)
    assert uncapped > 20
    # the pilot would lift it to 20 + 80 x 0.5, but the cap holds
    assert card.feasibility.value == 20
    assert [c.amount for c in card.feasibility.contributions] == [80, -60, 0]
    assert card.critical_assumptions[0].state is AssumptionState.invalidated


# --- Confidence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("participant_count", "critical_tested", "level"),
    [
        (4, True, Confidence.low),
        (5, True, Confidence.medium),
        (11, True, Confidence.medium),
        (12, True, Confidence.high),
        (12, False, Confidence.medium),
    ],
)
def test_confidence_levels(
    participant_count: int, critical_tested: bool, level: Confidence
) -> None:
    status = TestStatus.concluded if critical_tested else TestStatus.planned
    outcome = TestOutcome.validated if critical_tested else None
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, participant_count + 1)),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
            tests=(TestIn(1, 1, TestMethod.pilot, status, outcome, datetime(2026, 2, 1)),),
        )
    )
    assert card.confidence.level is level


def test_high_confidence_needs_half_the_base_covered() -> None:
    segments = (SegmentIn(1, "Enterprise", 40), SegmentIn(2, "SMB", 60))
    participants = people(range(1, 11), 1) + people([11, 12], 2)
    card = compute_scorecard(
        scoring_input(segments=segments, participants=participants, evidence=payers(range(1, 13)))
    )
    assert card.counts.participants == 12
    assert card.confidence.level is Confidence.medium  # only 40 % of base has 3+ participants
    assert "make up 40 % of the base (50 % needed for high)" in card.confidence.reasons[1]


def test_min_participants_threshold_sets_low_confidence() -> None:
    card = compute_scorecard(
        scoring_input(evidence=payers(range(1, 4)), thresholds=Thresholds(min_participants=3))
    )
    assert card.confidence.level is Confidence.medium


# --- Recommendation ---------------------------------------------------------------------------


def test_halt_when_a_critical_assumption_is_invalidated() -> None:
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, 3)),  # low confidence does not matter here
            assumptions=(
                assumption(
                    1, "Buyers have budget", category=AssumptionCategory.desirability, critical=True
                ),
            ),
            tests=(concluded(1, 1, TestMethod.pre_sale, TestOutcome.invalidated),),
        )
    )
    assert card.recommendation.value is Recommendation.halt
    assert "'Buyers have budget'" in card.recommendation.reasons[0]


def test_halt_when_pain_is_under_half_its_threshold_at_medium_confidence() -> None:
    # six people who state mild pain but rank it low: x = 0.2 each
    evidence = tuple(
        e
        for i in range(1, 7)
        for e in (item(i, Signal.stated, severity=1), item(i, Signal.not_a_priority))
    )
    card = compute_scorecard(scoring_input(evidence=evidence))
    expected = 100 * (6 * 0.2 + A * M) / (6 + A)
    assert expected < 60 / 2
    assert card.pain.value == pytest.approx(expected)
    assert card.confidence.level is Confidence.medium
    assert card.recommendation.value is Recommendation.halt
    assert "below half its threshold" in card.recommendation.reasons[0]


def test_pain_under_half_at_high_confidence_is_one_reason_not_two() -> None:
    # twelve people who state mild pain but rank it low: pain 20, under half of 60
    evidence = tuple(
        e
        for i in range(1, 13)
        for e in (item(i, Signal.stated, severity=1), item(i, Signal.not_a_priority))
    )
    card = compute_scorecard(scoring_input(evidence=evidence))
    assert card.pain.value < 60 / 2
    assert card.confidence.level is Confidence.high
    assert card.recommendation.value is Recommendation.halt
    assert [r for r in card.recommendation.reasons if r.startswith("pain")] == [
        f"pain {card.pain.value:.0f} is below half its threshold (30), with high confidence:"
        " enough people were asked to say it hurts too little"
    ]


def test_confidence_says_when_no_assumption_is_critical() -> None:
    card = compute_scorecard(scoring_input(evidence=payers(range(1, 6))))
    assert card.confidence.reasons[-1] == "no assumption is marked critical yet"
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, 6)),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
        )
    )
    assert card.confidence.reasons[-1] == "0 of 1 critical assumption tested"


def test_halt_when_even_the_reach_upper_bound_is_short() -> None:
    # one payer among twenty: pain is fine, but at most ~20 % of the base has it
    card = compute_scorecard(
        scoring_input(
            evidence=payers([1]),
            coverage=tuple(covered(i) for i in range(2, 21)),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),  # keeps medium
        )
    )
    assert card.pain.value == pytest.approx(100 * (1.0 + A * M) / (1 + A), abs=0.005)
    assert card.pain.value >= 60 / 2
    assert card.reach.upper == pytest.approx(100 * wilson_interval(1, 20)[1], abs=0.005)
    assert card.reach.upper < 20
    assert card.confidence.level is Confidence.medium
    assert card.recommendation.value is Recommendation.halt
    assert card.recommendation.reasons == [
        f"even the most hopeful reach, {card.reach.upper:.1f} %, is below its threshold 20 %:"
        " too few have this problem"
    ]


def test_halt_when_many_were_asked_and_it_does_not_hurt_enough() -> None:
    card = compute_scorecard(scoring_input(evidence=payers(range(1, 13), Signal.mentioned)))
    expected = 100 * (12 * 0.3 + A * M) / (12 + A)
    assert card.pain.value == pytest.approx(expected) == 30  # not under half of 60
    assert card.confidence.level is Confidence.high
    assert card.recommendation.value is Recommendation.halt
    assert "with high confidence: many people were asked" in card.recommendation.reasons[0]


def test_pivot_names_the_segment_where_pain_is_concentrated() -> None:
    segments = (SegmentIn(1, "Enterprise", 10), SegmentIn(2, "SMB", 90))
    participants = people(range(1, 6), 1) + people([6, 7, 8], 2)
    card = compute_scorecard(
        scoring_input(
            segments=segments,
            participants=participants,
            evidence=payers(range(1, 6)),
            coverage=(covered(6), covered(7), covered(8)),
        )
    )
    assert card.pain.value == pytest.approx(100 * (5 + A * M) / (5 + A))
    assert card.reach.value == pytest.approx(100 * 0.1 * wilson_lower(5, 5), abs=0.005)
    assert card.recommendation.value is Recommendation.pivot
    assert "pain is concentrated in Enterprise" in card.recommendation.reasons[1]


def test_pivot_names_the_blocking_assumption() -> None:
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, 6)),
            assumptions=(assumption(1, "Bank API is open"),),
            tests=(concluded(1, 1, TestMethod.technical_spike, TestOutcome.invalidated),),
        )
    )
    assert card.feasibility.value == pytest.approx(50 * (1 - 0.6 * 0.75))
    assert card.recommendation.value is Recommendation.pivot
    assert "'Bank API is open' (invalidated)" in card.recommendation.reasons[-1]


def test_pursue_when_everything_clears_the_bar() -> None:
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, 13)),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
            tests=(concluded(1, 1, TestMethod.pilot, TestOutcome.validated),),
        )
    )
    assert card.pain.value == pytest.approx(100 * (12 + A * M) / (12 + A))
    assert card.feasibility.value == 50 + 50 * 0.5
    assert card.confidence.level is Confidence.high
    assert card.recommendation.value is Recommendation.pursue


def test_investigate_lists_what_would_change_the_call() -> None:
    segments = (SegmentIn(1, "Enterprise", 60), SegmentIn(2, "SMB", 40))
    card = compute_scorecard(
        scoring_input(
            segments=segments,
            participants=people([1, 2], 2),
            evidence=payers([1, 2]),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
        )
    )
    assert card.confidence.level is Confidence.low
    assert card.recommendation.value is Recommendation.investigate
    assert card.recommendation.would_change_call == [
        "3 more participants: confidence becomes medium; with pain at 65 but reach at 17 %"
        " below its threshold 20 %, the call would become pivot",
        "3 more participants in Enterprise (60 % of the base): confidence becomes medium;"
        " with pain at 65 but reach at 17 % below its threshold 20 %, the call would become"
        " pivot",
        "test the critical assumption 'IT will approve SSO': if it holds, the call stays"
        " investigate; if it fails, it becomes halt",
    ]


def test_investigate_when_a_critical_assumption_is_untested() -> None:
    card = compute_scorecard(
        scoring_input(
            evidence=payers(range(1, 6)),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
            tests=(TestIn(1, 1, TestMethod.pilot, TestStatus.running, None, None),),
        )
    )
    assert card.recommendation.value is Recommendation.investigate
    assert card.critical_assumptions[0].state is AssumptionState.running
    assert card.recommendation.would_change_call == [
        "7 more participants: confidence stays medium (high also needs half the base in"
        " well-covered segments and every critical assumption tested); the call stays"
        " investigate if the scores hold",
        "conclude the running test of the critical assumption 'IT will approve SSO': if it"
        " holds, the call becomes pursue; if it fails, it becomes halt",
        # and the other way: what would turn it down
        "pain falling below 30 (now 80): the call would become halt",
        "reach falling below 20 % (now 65 %): the call would become pivot",
        "feasibility falling below 50 (now 50): the call would become pivot",
    ]


def test_kill_criteria_override_the_workspace_thresholds() -> None:
    change = KillCriteriaChange(
        changed_at=datetime(2026, 1, 1),
        changed_by=OWNER,
        before=None,
        after=Thresholds(pain=85, reach=20, feasibility=50, min_participants=5),
    )
    card = compute_scorecard(scoring_input(evidence=payers(range(1, 6)), kill_criteria=(change,)))
    assert card.thresholds.pain == 85
    assert card.thresholds.source == "kill criteria"
    assert card.recommendation.value is Recommendation.investigate  # 80 < 85, medium confidence


# --- Bias guards ------------------------------------------------------------------------------

OLD = datetime(2025, 6, 1)


@pytest.mark.parametrize(
    ("code", "evidence", "raised"),
    [
        (BiasCode.single_source, [item(i, Signal.paid, logged_by=3) for i in (1, 2, 3)], False),
        (
            BiasCode.single_source,
            [item(i, Signal.paid, logged_by=3) for i in (1, 2, 3)] + [item(4, Signal.paid)],
            True,  # 3 of 4 = 75 %
        ),
        (
            BiasCode.single_source,
            [item(i, Signal.paid, logged_by=3) for i in (1, 2)] + list(payers([3, 4])),
            False,
        ),
        (BiasCode.owner_only, [item(1, Signal.paid, logged_by=OWNER)] * 2, True),
        (BiasCode.owner_only, [item(1, Signal.paid, logged_by=OWNER), *payers([2])], False),
        (BiasCode.no_disconfirming, list(payers(range(1, 6))), True),
        (BiasCode.no_disconfirming, list(payers(range(1, 5))), False),
        (BiasCode.no_disconfirming, [*payers(range(1, 6)), item(5, Signal.no_action)], False),
        (BiasCode.opinions_only, [item(i, Signal.stated, severity=5) for i in (1, 2, 3)], True),
        (BiasCode.opinions_only, [item(i, Signal.stated, severity=5) for i in (1, 2)], False),
        (
            BiasCode.opinions_only,
            [item(i, Signal.stated, severity=5) for i in (1, 2, 3)] + [item(3, Signal.searching)],
            False,
        ),
        (BiasCode.stale, [item(1, Signal.paid, logged_at=OLD)], True),
        (
            BiasCode.stale,
            [item(1, Signal.paid, logged_at=OLD, observed_on=date(2026, 1, 1))],
            False,
        ),
        (BiasCode.stale, [item(1, Signal.paid, logged_at=OLD), item(2, Signal.paid)], False),
        (BiasCode.stale, [], False),
    ],
)
def test_bias_flags(code: BiasCode, evidence: list[EvidenceIn], raised: bool) -> None:
    distinct = tuple({e.id: e for e in evidence}.values())  # the same item twice is one item
    card = compute_scorecard(scoring_input(evidence=distinct))
    assert (code in flag_codes(card)) is raised


def test_stale_boundary_is_180_days() -> None:
    newest = AS_OF.date() - timedelta(days=180)
    fresh = compute_scorecard(scoring_input(evidence=(item(1, Signal.paid, observed_on=newest),)))
    old = compute_scorecard(
        scoring_input(evidence=(item(1, Signal.paid, observed_on=newest - timedelta(days=1)),))
    )
    assert BiasCode.stale not in flag_codes(fresh)
    assert BiasCode.stale in flag_codes(old)


@pytest.mark.parametrize(
    ("segments_of_participants", "raised"),
    [((1, 1, 1), True), ((1, 2, 1), False), ((1, None), True)],
)
def test_narrow_segment(segments_of_participants: tuple[int | None, ...], raised: bool) -> None:
    segments = (SegmentIn(1, "Enterprise", 10), SegmentIn(2, "SMB", 10))
    participants = tuple(
        ParticipantIn(i, f"P{i}", s) for i, s in enumerate(segments_of_participants, start=1)
    )
    card = compute_scorecard(
        scoring_input(
            segments=segments,
            participants=participants,
            evidence=payers(range(1, len(participants) + 1)),
        )
    )
    assert (BiasCode.narrow_segment in flag_codes(card)) is raised


def test_narrow_segment_needs_other_segments_in_the_base() -> None:
    card = compute_scorecard(scoring_input(evidence=payers([1, 2])))
    assert BiasCode.narrow_segment not in flag_codes(card)


@pytest.mark.parametrize(("segment_id", "raised"), [(None, True), (1, False)])
def test_unsegmented(segment_id: int | None, raised: bool) -> None:
    card = compute_scorecard(
        scoring_input(participants=people([1], segment_id), evidence=payers([1]))
    )
    assert (BiasCode.unsegmented in flag_codes(card)) is raised


def _change(day: int, before: Thresholds | None, after: Thresholds) -> KillCriteriaChange:
    return KillCriteriaChange(
        changed_at=datetime(2026, 3, day, 10), changed_by=OWNER, before=before, after=after
    )


def test_goalposts_moved_when_loosened_after_evidence() -> None:
    evidence = tuple(item(i, Signal.paid, logged_at=datetime(2026, 2, i)) for i in range(1, 13))
    change = _change(2, Thresholds(pain=60), Thresholds(pain=40))
    card = compute_scorecard(scoring_input(evidence=evidence, kill_criteria=(change,)))
    flag = next(f for f in card.flags if f.code is BiasCode.goalposts_moved)
    assert flag.message == (
        "pain threshold lowered from 60 to 40 on 2026-03-02 after 12 evidence items existed"
    )
    assert flag.evidence_ids == sorted(e.id for e in evidence)


@pytest.mark.parametrize(
    ("before", "after", "evidence_day", "raised"),
    [
        (Thresholds(), Thresholds(pain=40), 1, True),
        (Thresholds(), Thresholds(reach=10), 1, True),
        (Thresholds(), Thresholds(feasibility=30), 1, True),
        (Thresholds(), Thresholds(min_participants=3), 1, True),
        (None, Thresholds(pain=40), 1, True),  # compared with the workspace thresholds
        (Thresholds(), Thresholds(pain=40), 20, False),  # set before any evidence: fine
        (Thresholds(), Thresholds(pain=80, reach=30), 1, False),  # tightening is always fine
        (Thresholds(pain=40), Thresholds(pain=50), 1, False),
    ],
)
def test_goalposts_moved_only_when_loosened_after_evidence(
    before: Thresholds | None, after: Thresholds, evidence_day: int, raised: bool
) -> None:
    evidence = (item(1, Signal.paid, logged_at=datetime(2026, 3, evidence_day)),)
    card = compute_scorecard(
        scoring_input(evidence=evidence, kill_criteria=(_change(10, before, after),))
    )
    assert (BiasCode.goalposts_moved in flag_codes(card)) is raised


def test_goalposts_compare_with_the_previous_change_when_before_is_not_recorded() -> None:
    evidence = (item(1, Signal.paid, logged_at=datetime(2026, 3, 5)),)
    changes = (
        _change(9, None, Thresholds(pain=50)),  # after the evidence: loosened from 80
        _change(1, None, Thresholds(pain=80)),  # before the evidence: tightened
    )
    card = compute_scorecard(scoring_input(evidence=evidence, kill_criteria=changes))
    flag = next(f for f in card.flags if f.code is BiasCode.goalposts_moved)
    assert flag.message.startswith("pain threshold lowered from 80 to 50 on 2026-03-09")
    assert card.thresholds.pain == 50


@pytest.mark.parametrize(
    ("kind", "recommendation", "raised"),
    [
        (DecisionKind.pursue, Recommendation.pursue, False),
        (DecisionKind.halt, Recommendation.halt, False),
        (DecisionKind.pivot, Recommendation.pivot, False),
        (DecisionKind.park, Recommendation.pursue, False),
        (DecisionKind.park, Recommendation.investigate, False),
        (DecisionKind.pursue, Recommendation.halt, True),
        (DecisionKind.halt, Recommendation.pursue, True),
        (DecisionKind.pivot, Recommendation.pursue, True),
        (DecisionKind.pursue, Recommendation.investigate, True),
        (DecisionKind.halt, Recommendation.investigate, True),
        (DecisionKind.pursue, None, False),
    ],
)
def test_against_evidence(
    kind: DecisionKind, recommendation: Recommendation | None, raised: bool
) -> None:
    decision = DecisionIn(
        id=9, kind=kind, recommendation=recommendation, decided_at=datetime(2026, 3, 3)
    )
    card = compute_scorecard(scoring_input(decisions=(decision,)))
    assert (BiasCode.against_evidence in flag_codes(card)) is raised
    if raised:
        flag = next(f for f in card.flags if f.code is BiasCode.against_evidence)
        assert flag.decision_ids == [9]
        assert f"decision 9 to {kind.value} on 2026-03-03" in flag.message


# --- Storage ----------------------------------------------------------------------------------


def test_scorecard_round_trips_through_json() -> None:
    segments = (SegmentIn(1, "Enterprise", 30), SegmentIn(2, "SMB", 70), SegmentIn(3, "Gov", 5))
    participants = people([1, 2, 3], 1) + people([4, 5], 2) + people([6], None)
    card = compute_scorecard(
        scoring_input(
            segments=segments,
            participants=participants,
            evidence=(
                *payers([1, 2]),
                item(3, Signal.stated, severity=4, frequency=Frequency.monthly),
                item(4, Signal.not_experienced),
                item(6, Signal.workaround),
                item(None, Signal.searching),
            ),
            coverage=(covered(5),),
            assumptions=(assumption(1, "IT will approve SSO", critical=True),),
            tests=(concluded(1, 1, TestMethod.prototype, TestOutcome.inconclusive),),
            kill_criteria=(_change(2, None, Thresholds(pain=50)),),
            decisions=(DecisionIn(1, DecisionKind.pursue, Recommendation.investigate, AS_OF),),
        )
    )
    stored = card.model_dump(mode="json")
    assert Scorecard.model_validate(stored) == card
    assert Scorecard.model_validate_json(card.model_dump_json()) == card
    assert_explained(card)

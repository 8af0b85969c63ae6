"""The properties of scoring.md, checked on random inputs with hypothesis."""

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from app.scoring import (
    AssumptionIn,
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
from app.scoring.engine import supporting_weight

T = TypeVar("T")
AS_OF = datetime(2026, 3, 10, 12, 0)
# Drawing a whole workspace costs ~140 hypothesis draws: 100 examples keep the module near 15 s.
FAST = settings(max_examples=100, deadline=None)
CHEAP = settings(max_examples=150, deadline=None)  # for strategies of a few integers

SUPPORTING = [s for s in Signal if s.stance is Stance.supports]
CONTRADICTING = [s for s in Signal if s.stance is Stance.contradicts]

# Sampled from a grid rather than drawn freely: cheaper to generate, and ties come up.
moments = st.sampled_from([datetime(2025, 1, 1, 9) + timedelta(days=d) for d in range(0, 434, 7)])
days = st.sampled_from([date(2025, 1, 1) + timedelta(days=d) for d in range(0, 434, 7)])
# A few distinct instants, so ties in time (and their tie-breaks) come up often.
test_moments = st.sampled_from([None, *(datetime(2026, 1, d) for d in (1, 2, 2, 3))])
thresholds = st.builds(
    Thresholds,
    pain=st.sampled_from([40.0, 60.0, 80.0]),
    reach=st.sampled_from([10.0, 20.0, 30.0]),
    feasibility=st.sampled_from([30.0, 50.0, 70.0]),
    min_participants=st.integers(3, 7),
)


def evidence_items(
    participant_ids: list[int | None], signals: Sequence[Signal] = tuple(Signal)
) -> st.SearchStrategy[EvidenceIn]:
    """Evidence items without ids; the caller numbers them."""
    return st.builds(
        lambda pid, signal, severity, frequency, logged_by, logged_at, observed_on: EvidenceIn(
            id=0,
            participant_id=pid,
            interview_id=None,
            stance=signal.stance,
            signal=signal,
            severity=severity,
            frequency=frequency,
            logged_by=logged_by,
            logged_at=logged_at,
            observed_on=observed_on,
            quote="...",
        ),
        st.sampled_from(participant_ids),
        st.sampled_from(signals),
        st.one_of(st.none(), st.integers(1, 5)),
        st.one_of(st.none(), st.sampled_from(list(Frequency))),
        st.sampled_from([None, 1, 2, 3]),
        moments,
        st.one_of(st.none(), days),
    )


@st.composite
def scoring_inputs(draw: st.DrawFn) -> ScoringInput:
    sizes = draw(st.lists(st.one_of(st.none(), st.integers(0, 500)), max_size=6))
    segments = tuple(SegmentIn(i, f"S{i}", size) for i, size in enumerate(sizes, start=1))
    segment_ids = [None, *(s.id for s in segments)]
    participant_count = draw(st.integers(0, 15))
    participants = tuple(
        ParticipantIn(i, f"P{i}", draw(st.sampled_from(segment_ids)))
        for i in range(1, participant_count + 1)
    )
    participant_ids = [None, *(p.id for p in participants)]
    coverage = tuple(
        CoverageIn(i, pid, draw(days))
        for i, pid in enumerate(
            draw(st.lists(st.sampled_from(participant_ids), max_size=15)), start=1
        )
    )
    evidence = tuple(
        dataclasses.replace(e, id=i)
        for i, e in enumerate(draw(st.lists(evidence_items(participant_ids), max_size=40)), start=1)
    )
    assumptions = tuple(
        AssumptionIn(
            i, f"A{i}", draw(st.sampled_from(list(AssumptionCategory))), draw(st.booleans())
        )
        for i in range(1, draw(st.integers(0, 4)) + 1)
    )
    tests = tuple(
        TestIn(
            id=i,
            assumption_id=draw(st.integers(1, max(len(assumptions), 1))),
            method=draw(st.sampled_from(list(TestMethod))),
            status=draw(st.sampled_from(list(TestStatus))),
            outcome=draw(st.one_of(st.none(), st.sampled_from(list(TestOutcome)))),
            concluded_at=draw(test_moments),
        )
        for i in range(1, draw(st.integers(0, 6)) + 1)
    )
    kill_criteria = tuple(
        KillCriteriaChange(
            changed_at=draw(moments),
            changed_by=1,
            before=draw(st.one_of(st.none(), thresholds)),
            after=draw(thresholds),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    decisions = tuple(
        DecisionIn(
            id=i,
            kind=draw(st.sampled_from(list(DecisionKind))),
            recommendation=draw(st.one_of(st.none(), st.sampled_from(list(Recommendation)))),
            decided_at=draw(moments),
        )
        for i in range(1, draw(st.integers(0, 2)) + 1)
    )
    return ScoringInput(
        problem=ProblemIn(
            id=1,
            title="Problem",
            owner_id=draw(st.sampled_from([None, 1, 2])),
            feasibility_estimate=draw(st.one_of(st.none(), st.floats(0, 100))),
            feasibility_rationale=None,
        ),
        workspace_thresholds=draw(thresholds),
        segments=segments,
        participants=participants,
        coverage=coverage,
        evidence=evidence,
        assumptions=assumptions,
        tests=tests,
        kill_criteria=kill_criteria,
        decisions=decisions,
        as_of=AS_OF,
    )


def with_evidence(inp: ScoringInput, *items: EvidenceIn) -> ScoringInput:
    """The input with extra items, numbered after the existing ones."""
    next_id = max((e.id for e in inp.evidence), default=0) + 1
    numbered = tuple(dataclasses.replace(e, id=next_id + i) for i, e in enumerate(items))
    return dataclasses.replace(inp, evidence=inp.evidence + numbered)


def x_of(card: Scorecard, participant_id: int) -> float:
    return next((p.x for p in card.participants if p.participant_id == participant_id), 0.0)


# --- Monotonicity -----------------------------------------------------------------------------


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_stronger_signal_for_an_affected_participant_never_lowers_pain_or_reach(
    inp: ScoringInput, data: st.DataObject
) -> None:
    before = compute_scorecard(inp)
    affected = [p.participant_id for p in before.participants if p.affected]
    if not affected:
        return
    who = data.draw(st.sampled_from(affected))
    extra = data.draw(evidence_items([who], SUPPORTING))
    after = compute_scorecard(with_evidence(inp, extra))
    assert after.pain.value >= before.pain.value
    assert after.reach.value >= before.reach.value
    assert x_of(after, who) >= x_of(before, who)


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_making_a_participant_affected_never_lowers_reach(
    inp: ScoringInput, data: st.DataObject
) -> None:
    before = compute_scorecard(inp)
    unaffected = [p.participant_id for p in before.participants if not p.affected]
    if not unaffected:
        return
    who = data.draw(st.sampled_from(unaffected))
    # drop what held them at 0 and add one supporting item
    kept = tuple(
        e for e in inp.evidence if not (e.participant_id == who and e.stance is Stance.contradicts)
    )
    extra = data.draw(evidence_items([who], SUPPORTING))
    after = compute_scorecard(with_evidence(dataclasses.replace(inp, evidence=kept), extra))
    assert x_of(after, who) > 0
    assert after.reach.value >= before.reach.value


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_a_contradicting_item_never_raises_reach_nor_its_participants_x(
    inp: ScoringInput, data: st.DataObject
) -> None:
    if not inp.participants:
        return
    who = data.draw(st.sampled_from([p.id for p in inp.participants]))
    extra = data.draw(evidence_items([who], CONTRADICTING))
    before = compute_scorecard(inp)
    after = compute_scorecard(with_evidence(inp, extra))
    assert after.reach.value <= before.reach.value
    assert x_of(after, who) <= x_of(before, who)


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_a_new_covered_but_unaffected_participant_never_raises_reach(
    inp: ScoringInput, data: st.DataObject
) -> None:
    new_id = max((p.id for p in inp.participants), default=0) + 1
    segment_id = data.draw(st.sampled_from([None, *(s.id for s in inp.segments)]))
    interview_id = max((c.interview_id for c in inp.coverage), default=0) + 1
    after_input = dataclasses.replace(
        inp,
        participants=(*inp.participants, ParticipantIn(new_id, "New", segment_id)),
        coverage=(*inp.coverage, CoverageIn(interview_id, new_id, date(2026, 3, 1))),
    )
    assert compute_scorecard(after_input).reach.value <= compute_scorecard(inp).reach.value


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_extra_quotes_no_stronger_than_the_strongest_never_change_pain(
    inp: ScoringInput, data: st.DataObject
) -> None:
    before = compute_scorecard(inp)
    speakers = [p for p in before.participants if p.set_by_evidence_id is not None]
    if not speakers:
        return
    who = data.draw(st.sampled_from(speakers))
    strongest = next(e for e in inp.evidence if e.id == who.set_by_evidence_id)
    candidates = data.draw(
        st.lists(evidence_items([who.participant_id], SUPPORTING), min_size=1, max_size=5)
    )
    quieter = [e for e in candidates if supporting_weight(e) <= supporting_weight(strongest)]
    after = compute_scorecard(with_evidence(inp, *quieter))
    assert after.pain == before.pain
    assert x_of(after, who.participant_id) == who.x


@CHEAP
@given(n=st.integers(1, 10), data=st.data(), factor=st.integers(2, 3))
def test_reach_rises_with_n_at_a_fixed_share(n: int, data: st.DataObject, factor: int) -> None:
    k = data.draw(st.integers(0, n))

    def reach(k: int, n: int) -> float:
        payers = tuple(
            EvidenceIn(i, i, None, Stance.supports, Signal.paid, None, None, 1, AS_OF, None, "")
            for i in range(1, k + 1)
        )
        asked = tuple(CoverageIn(i, i, date(2026, 3, 1)) for i in range(k + 1, n + 1))
        inp = ScoringInput(
            problem=ProblemIn(1, "Problem", None, None, None),
            workspace_thresholds=Thresholds(),
            segments=(SegmentIn(1, "Everyone", 100),),
            participants=tuple(ParticipantIn(i, f"P{i}", 1) for i in range(1, n + 1)),
            coverage=asked,
            evidence=payers,
            assumptions=(),
            tests=(),
            kill_criteria=(),
            decisions=(),
            as_of=AS_OF,
        )
        return compute_scorecard(inp).reach.value

    small, large = reach(k, n), reach(k * factor, n * factor)
    if k == 0:
        assert small == large == 0
    else:
        assert large > small


@CHEAP
@given(n=st.integers(1, 200), data=st.data())
def test_wilson_lower_bound_rises_with_n_at_a_fixed_share(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, n))
    assert wilson_interval(2 * k, 2 * n)[0] > wilson_interval(k, n)[0]
    assert wilson_interval(k, n + 1)[0] <= wilson_interval(k, n)[0]  # one more unaffected
    assert wilson_interval(k, n)[0] >= wilson_interval(k - 1, n)[0]  # one more affected


# --- Bounds, determinism, order, explanations -------------------------------------------------


@FAST
@given(inp=scoring_inputs())
def test_scores_stay_within_0_and_100(inp: ScoringInput) -> None:
    card = compute_scorecard(inp)
    for value in (card.pain.value, card.reach.value, card.reach.upper, card.feasibility.value):
        assert 0 <= value <= 100
    assert card.reach.value <= card.reach.point + 0.01
    assert card.reach.point <= card.reach.upper + 0.01
    for segment in card.reach.segments:
        assert 0 <= segment.lower <= segment.point <= segment.upper <= 100
        assert 0 <= segment.pain <= 100
    for participant in card.participants:
        assert 0 <= participant.x <= 1


@FAST
@given(inp=scoring_inputs())
def test_the_same_input_gives_the_same_scorecard(inp: ScoringInput) -> None:
    assert compute_scorecard(inp) == compute_scorecard(inp)


@FAST
@given(inp=scoring_inputs(), data=st.data())
def test_the_order_of_the_input_does_not_matter(inp: ScoringInput, data: st.DataObject) -> None:
    def shuffle(items: tuple[T, ...]) -> tuple[T, ...]:
        return tuple(data.draw(st.permutations(items)))

    shuffled = dataclasses.replace(
        inp,
        segments=shuffle(inp.segments),
        participants=shuffle(inp.participants),
        coverage=shuffle(inp.coverage),
        evidence=shuffle(inp.evidence),
        assumptions=shuffle(inp.assumptions),
        tests=shuffle(inp.tests),
        kill_criteria=shuffle(inp.kill_criteria),
        decisions=shuffle(inp.decisions),
    )
    assert compute_scorecard(shuffled) == compute_scorecard(inp)


@FAST
@given(inp=scoring_inputs())
def test_contributions_sum_to_each_score(inp: ScoringInput) -> None:
    card = compute_scorecard(inp)
    for score in (card.pain, card.reach, card.feasibility, *card.segment_pain):
        total = sum(c.amount for c in score.contributions)
        assert total == pytest.approx(score.value, abs=0.01 * len(score.contributions))


@FAST
@given(inp=scoring_inputs())
def test_scorecards_round_trip_through_json(inp: ScoringInput) -> None:
    card = compute_scorecard(inp)
    assert Scorecard.model_validate(card.model_dump(mode="json")) == card


def test_tests_concluded_at_the_same_instant_apply_by_id() -> None:
    """Tests concluded at the same instant are ordered by id: a fixed, documented tie-break."""
    same = datetime(2026, 1, 2)
    steps = (
        TestIn(2, 1, TestMethod.pilot, TestStatus.concluded, TestOutcome.invalidated, same),
        TestIn(1, 1, TestMethod.pilot, TestStatus.concluded, TestOutcome.validated, same),
    )
    inp = ScoringInput(
        problem=ProblemIn(1, "Problem", None, 50, None),
        workspace_thresholds=Thresholds(),
        segments=(),
        participants=(),
        coverage=(),
        evidence=(),
        assumptions=(AssumptionIn(1, "Ledgers parse", AssumptionCategory.feasibility, False),),
        tests=steps,
        kill_criteria=(),
        decisions=(),
        as_of=AS_OF + timedelta(days=1),
    )
    card = compute_scorecard(inp)
    assert [c.test_id for c in card.feasibility.contributions] == [None, 1, 2]
    assert card.feasibility.value == pytest.approx((50 + 50 * 0.5) * (1 - 0.6))

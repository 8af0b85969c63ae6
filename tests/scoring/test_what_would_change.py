"""'What would change the call' says the call each change leads to, in either direction, and
the engine keeps its word when the change happens."""

import dataclasses
import re

from hypothesis import given

from app.enums import Confidence, Recommendation, Signal
from app.scoring import CoverageIn, ParticipantIn, ScoringInput, compute_scorecard
from tests.scoring.test_engine_examples import covered, item, payers, scoring_input
from tests.scoring.test_properties import FAST, scoring_inputs

MORE_PEOPLE = re.compile(
    r"^(\d+) more participants?: confidence (?:becomes|stays) (\w+).*"
    r"the call (?:would become|stays) (\w+)"
)
CALL_WORDS = re.compile(r"the call (?:would become|stays|becomes) \w+|it (?:becomes|stays) \w+")


def with_unaffected_people(inp: ScoringInput, count: int) -> ScoringInput:
    """`count` new participants without a segment who were asked and are not affected: they
    move confidence only (pain is depth among the affected, reach counts segmented people)."""
    first = max([p.id for p in inp.participants] + [0]) + 1000
    new = tuple(ParticipantIn(first + i, f"New {i}", None) for i in range(count))
    asked = tuple(CoverageIn(first + i, p.id, inp.as_of.date()) for i, p in enumerate(new, start=1))
    return dataclasses.replace(
        inp, participants=inp.participants + new, coverage=inp.coverage + asked
    )


@FAST
@given(inp=scoring_inputs())
def test_more_participants_lead_to_the_call_the_card_announced(inp: ScoringInput) -> None:
    card = compute_scorecard(inp)
    for line in card.recommendation.would_change_call:
        found = MORE_PEOPLE.match(line)
        if found is None:
            continue
        count, level, call = int(found[1]), found[2], found[3]
        after = compute_scorecard(with_unaffected_people(inp, count))
        assert after.confidence.level.value == level, line
        assert after.recommendation.value.value == call, line


@FAST
@given(inp=scoring_inputs())
def test_every_suggestion_names_the_call_it_leads_to(inp: ScoringInput) -> None:
    card = compute_scorecard(inp)
    current = card.recommendation.value.value
    for line in card.recommendation.would_change_call:
        assert CALL_WORDS.search(line), line
        moved = re.search(r": the call would become (\w+)$", line)
        if moved and not MORE_PEOPLE.match(line):
            # a score crossing its threshold is listed only when it moves the call
            assert moved[1] != current, line


def test_one_more_supporter_turning_investigate_into_halt_is_announced() -> None:
    # 11 people state mild pain: pain under 60, medium confidence, investigate
    evidence = tuple(item(i, Signal.stated, severity=2) for i in range(1, 12))
    card = compute_scorecard(scoring_input(evidence=evidence))
    assert card.confidence.level is Confidence.medium
    assert card.recommendation.value is Recommendation.investigate
    pain = round(card.pain.value)
    assert card.recommendation.would_change_call[0] == (
        f"1 more participant: confidence becomes high; with pain at {pain} the call would"
        " become halt unless pain reaches 60"
    )
    # and it happens: a twelfth who also states mild pain
    after = compute_scorecard(
        scoring_input(evidence=(*evidence, item(12, Signal.stated, severity=2)))
    )
    assert after.confidence.level is Confidence.high
    assert after.recommendation.value is Recommendation.halt


def test_a_pursue_card_says_what_would_turn_it_down() -> None:
    card = compute_scorecard(scoring_input(evidence=payers(range(1, 13))))
    assert card.recommendation.value is Recommendation.pursue
    assert card.recommendation.would_change_call == [
        f"pain falling below 60 (now {round(card.pain.value)}): the call would become halt",
        f"reach falling below 20 % (now {round(card.reach.value)} %): the call would become pivot",
        "feasibility falling below 50 (now 50): the call would become pivot",
    ]


def test_a_card_held_by_two_reasons_says_both_must_change() -> None:
    # one payer among twenty: the most hopeful reach is under 20 %, and pain under 60
    card = compute_scorecard(
        scoring_input(evidence=payers([1]), coverage=tuple(covered(i) for i in range(2, 21)))
    )
    assert card.recommendation.value is Recommendation.halt
    assert len(card.recommendation.reasons) == 2
    assert card.recommendation.would_change_call == [
        f"pain rising to 60 (now {round(card.pain.value)}) and reach rising to 20 %"
        f" (now {round(card.reach.value)} %), together: the call would become pursue"
    ]

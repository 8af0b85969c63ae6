"""The scorecard says what it does not know instead of inventing it."""

from app.enums import Signal
from app.scoring import SegmentIn, compute_scorecard
from tests.scoring.test_engine_examples import item, people, scoring_input


def labels(card: object) -> list[str]:
    return [note.label for note in card.missing]  # type: ignore[attr-defined]


def test_no_evidence_is_said_and_not_measured() -> None:
    card = compute_scorecard(scoring_input())
    assert labels(card) == ["no evidence yet: the scores are starting points, not measurements"]


def test_stated_pain_without_severity_is_shown_with_the_weight_it_gets() -> None:
    card = compute_scorecard(
        scoring_input(evidence=(item(1, Signal.stated), item(2, Signal.stated, severity=4)))
    )
    assert labels(card) == [
        "1 stated pain without a severity: each counts as the mildest stated pain (weighs 30 %);"
        " record a severity to weigh it properly"
    ]
    first = next(c for c in card.pain.contributions if c.participant_id == 1)
    assert first.label == (
        "P1: says it hurts (severity not recorded: counted as the mildest); weighs 30 %"
    )


def test_segments_without_a_size_are_named() -> None:
    unsized = (
        SegmentIn(1, "Enterprise", None),
        SegmentIn(2, "SMB", None),
        SegmentIn(3, "Mid", None),
    )
    card = compute_scorecard(scoring_input(segments=unsized, evidence=(item(1, Signal.paid),)))
    assert "3 segments have no size, so they weigh equally: set sizes" in labels(card)
    mixed = (SegmentIn(1, "Enterprise", 100), SegmentIn(2, "Partners", None))
    card = compute_scorecard(scoring_input(segments=mixed, evidence=(item(1, Signal.paid),)))
    assert (
        "1 segment without a size (Partners) weighs nothing beside the segments with one:"
        " set sizes" in labels(card)
    )


def test_support_cancelled_by_the_same_participant_is_listed_with_both_quotes() -> None:
    support = item(1, Signal.paid)
    contradiction = item(1, Signal.not_experienced)
    card = compute_scorecard(
        scoring_input(participants=people([1]), evidence=(support, contradiction))
    )
    assert card.counts.affected == 0
    [note] = [n for n in card.missing if n.participant_id == 1]
    assert note.label == (
        "P1: their support “paid quote” is cancelled by their own contradicting item"
        " “not_experienced quote” (does not have it)"
    )
    assert note.evidence_ids == [support.id, contradiction.id]

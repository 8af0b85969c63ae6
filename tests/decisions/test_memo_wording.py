"""The memo's pure parts: which quotes, which terms, what would change the call."""

from datetime import date
from typing import Any

import pytest

from app.decisions.memo import MemoQuote, contributions_shown, strongest_quotes, what_would_change
from app.enums import Recommendation, Signal, Stance
from app.scoring.scorecard import (
    AssumptionState,
    Contribution,
    ContributionKind,
    RecommendationAdvice,
    Scorecard,
)
from tests.factories import Api


def quote(evidence_id: int, signal: Signal, participant_id: int | None, **kw: Any) -> MemoQuote:
    return MemoQuote(
        evidence_id=evidence_id,
        quote=f"quote {evidence_id}",
        stance=signal.stance,
        signal=signal,
        severity=kw.get("severity"),
        frequency=kw.get("frequency"),
        participant_id=participant_id,
        participant=None,
        segment=None,
        seen_on=kw.get("seen_on", date(2026, 5, 1)),
    )


def test_behaviour_comes_before_opinion_whatever_the_order_logged() -> None:
    quotes = [
        quote(1, Signal.stated, 1, severity=5),
        quote(2, Signal.mentioned, 2),
        quote(3, Signal.searching, 3, frequency="rarely"),
        quote(4, Signal.switched, 4, seen_on=date(2026, 1, 1)),
        quote(5, Signal.paid, 5, seen_on=date(2026, 6, 1)),
    ]
    chosen = strongest_quotes(quotes, Stance.supports)
    assert [q.evidence_id for q in chosen] == [5, 4, 3, 1, 2]


def test_one_quote_per_participant_and_at_most_five() -> None:
    quotes = [quote(i, Signal.paid, 1) for i in range(1, 4)] + [
        quote(10 + i, Signal.mentioned, None) for i in range(8)
    ]
    chosen = strongest_quotes(quotes, Stance.supports)
    assert [q.evidence_id for q in chosen] == [1, 10, 11, 12, 13]


def test_contradicting_quotes_put_inaction_first() -> None:
    quotes = [
        quote(1, Signal.not_a_priority, 1),
        quote(2, Signal.not_experienced, 2),
        quote(3, Signal.no_action, 3),
        quote(4, Signal.paid, 4),
    ]
    assert [q.evidence_id for q in strongest_quotes(quotes, Stance.contradicts)] == [3, 2, 1]


def term(amount: float) -> Contribution:
    return Contribution(kind=ContributionKind.participant, label=f"term {amount}", amount=amount)


def test_long_explanations_keep_the_largest_terms_and_still_add_up() -> None:
    terms = [term(float(i)) for i in range(1, 21)]
    shown = contributions_shown(terms, limit=5)
    assert [label for label, _ in shown] == [
        "term 17.0",
        "term 18.0",
        "term 19.0",
        "term 20.0",
        "16 more terms",
    ]
    assert sum(amount for _, amount in shown) == sum(t.amount for t in terms)
    assert contributions_shown(terms[:3]) == [(t.label, t.amount) for t in terms[:3]]


@pytest.fixture
def card(api: Api) -> Scorecard:
    problem = api.problem()
    return Scorecard.model_validate(api.ok(api.get(f"problems/{problem['id']}/scorecard")))


def advise(card: Scorecard, value: Recommendation, **update: Any) -> Scorecard:
    advice = RecommendationAdvice(value=value, reasons=[], would_change_call=[])
    return card.model_copy(update={"recommendation": advice} | update)


def test_an_investigate_call_lists_the_scorecards_own_wants(card: Scorecard) -> None:
    assert card.recommendation.value is Recommendation.investigate
    assert what_would_change(card) == card.recommendation.would_change_call


def test_a_pursue_call_names_every_bar_it_could_fall_below(card: Scorecard) -> None:
    wanted = what_would_change(advise(card, Recommendation.pursue))
    assert wanted[:4] == [
        f"pain depth falling below 60 (now {card.pain.value:g})",
        f"segment reach falling below 20 (now {card.reach.value:g})",
        f"feasibility falling below 50 (now {card.feasibility.value:g})",
        "a test that invalidates a critical assumption",
    ]


def test_a_halt_call_names_the_invalidated_assumption_and_the_missing_pain(
    card: Scorecard,
) -> None:
    blocked = {
        "assumption_id": 1,
        "statement": "IT will approve SSO",
        "category": "feasibility",
        "state": AssumptionState.invalidated,
    }
    halted = Scorecard.model_validate(
        advise(card, Recommendation.halt).model_dump()
        | {"critical_assumptions": [blocked], "pain": {"value": 20.0, "contributions": []}}
    )
    wanted = what_would_change(halted)
    assert wanted[0] == "a new test that validates the critical assumption 'IT will approve SSO'"
    assert "pain depth of at least 30 (now 20)" in wanted[1]

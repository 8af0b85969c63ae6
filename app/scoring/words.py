"""The words a person reads for each concept of the scorecard: one wording per concept.

Pages, the memo, exports and API labels all take their words from here, so "one loud source" on
the page is "one loud source" in the memo. Pure: imports nothing of the app but enums.
"""

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from app.enums import (
    AssumptionCategory,
    Confidence,
    CriterionOperator,
    DecisionKind,
    Frequency,
    InterviewKind,
    ProblemStatus,
    Recommendation,
    Signal,
    TestMethod,
    TestOutcome,
    TestStatus,
)

# What a participant did or said, as a sentence about them ("Ana pays for it").
SIGNAL_DEEDS: Final = MappingProxyType(
    {
        Signal.paid: "pays for it",
        Signal.switched: "switched vendor or left over it",
        Signal.workaround: "keeps a workaround",
        Signal.searching: "is looking for a solution",
        Signal.stated: "says it hurts",
        Signal.mentioned: "mentioned it",
        Signal.no_action: "has it but does nothing about it",
        Signal.not_a_priority: "has it but ranks it low",
        Signal.not_experienced: "does not have it",
    }
)

# The short name of a signal, in lists and forms.
SIGNAL_NAMES: Final = MappingProxyType(
    {
        Signal.paid: "paid",
        Signal.switched: "switched",
        Signal.workaround: "workaround",
        Signal.searching: "searching",
        Signal.stated: "stated pain",
        Signal.mentioned: "mentioned",
        Signal.no_action: "no action",
        Signal.not_a_priority: "not a priority",
        Signal.not_experienced: "not experienced",
    }
)

METHOD_NAMES: Final = MappingProxyType(
    {
        TestMethod.interview: "interview",
        TestMethod.survey: "survey",
        TestMethod.prototype: "prototype",
        TestMethod.usability_test: "usability test",
        TestMethod.technical_spike: "technical spike",
        TestMethod.pre_sale: "pre-sale",
        TestMethod.letter_of_intent: "letter of intent",
        TestMethod.pilot: "pilot",
        TestMethod.concierge: "concierge test",
        TestMethod.production_data: "production data",
    }
)

# A method as it reads after "validated by": with its article, and none for data.
METHOD_AFTER_BY: Final = MappingProxyType(
    {
        TestMethod.interview: "an interview",
        TestMethod.survey: "a survey",
        TestMethod.prototype: "a prototype",
        TestMethod.usability_test: "a usability test",
        TestMethod.technical_spike: "a technical spike",
        TestMethod.pre_sale: "a pre-sale",
        TestMethod.letter_of_intent: "a letter of intent",
        TestMethod.pilot: "a pilot",
        TestMethod.concierge: "a concierge test",
        TestMethod.production_data: "production data",
    }
)

# How much a test method proves, by its strength (see constants.METHOD_STRENGTHS).
STRENGTH_WORDS: Final = MappingProxyType(
    {
        0.25: "what people say: weak evidence",
        0.5: "what people do in a test: fair evidence",
        0.75: "a built slice: strong evidence",
        1.0: "a real commitment: the strongest evidence",
    }
)

FLAG_NAMES: Final = MappingProxyType(
    {
        "single_source": "one loud source",
        "owner_only": "only the owner's evidence",
        "no_disconfirming": "no disconfirming evidence",
        "opinions_only": "opinions, no behaviour",
        "narrow_segment": "one segment only",
        "stale": "evidence is getting old",
        "unsegmented": "participants without a segment",
        "goalposts_moved": "kill criteria moved",
        "against_evidence": "decided against the evidence",
    }
)

RECOMMENDATION_MEANINGS: Final = MappingProxyType(
    {
        Recommendation.pursue: "the pain is deep and wide enough, the way is open, and enough"
        " people were asked: build it",
        Recommendation.pivot: "the pain is real but too narrow, or the way is blocked: change the"
        " segment or the solution",
        Recommendation.halt: "the evidence says stop: it does not hurt enough, too few have it,"
        " or a critical assumption failed",
        Recommendation.investigate: "the evidence cannot decide yet: gather what would change"
        " the call",
    }
)

PARK_MEANING: Final = (
    "park is a decision, not a recommendation: set the problem aside for now without judging"
    " it, and look again on the review date. It never counts as going against the evidence."
)

OPERATOR_WORDS: Final = MappingProxyType(
    {
        CriterionOperator.gte: "at least",
        CriterionOperator.gt: "more than",
        CriterionOperator.lte: "at most",
        CriterionOperator.lt: "less than",
        CriterionOperator.yes: "yes",
        CriterionOperator.no: "no",
    }
)

# Every enum a person may read, value -> words; what is not listed reads as its value.
_ENUM_WORDS: Final[Mapping[object, str]] = MappingProxyType(
    {key: text for table in (SIGNAL_NAMES, METHOD_NAMES) for key, text in table.items()}
    | {
        InterviewKind.support_ticket: "support ticket",
        InterviewKind.churn_interview: "churn interview",
        InterviewKind.sales_call: "sales call",
        InterviewKind.usability_test: "usability test",
    }
)


def words(value: object) -> str:
    """The words for an enum value or a code; underscores never reach a reader."""
    if value is None:
        return ""
    found = _ENUM_WORDS.get(value)
    if found is not None:
        return found
    text = str(getattr(value, "value", value))
    return FLAG_NAMES.get(text, text.replace("_", " "))


def flag_name(code: object) -> str:
    return FLAG_NAMES.get(str(getattr(code, "value", code)), words(code))


def points(value: float, threshold: float | None = None) -> str:
    """A score in whole points, with a decimal only where rounding would hide which side of
    its threshold it is on (59.6 is not "60" when the bar is 60)."""
    for digits in (0, 1, 2):
        shown = round(value, digits) + 0.0
        if threshold is None or (shown >= threshold) == (value >= threshold):
            return f"{shown:.{digits}f}"
    return format(round(value, 2) + 0.0, "g")


def percent(share: float) -> str:
    """A share of 0..1 as whole per cent."""
    return f"{100 * share:.0f} %"


__all__ = [
    "FLAG_NAMES",
    "METHOD_AFTER_BY",
    "METHOD_NAMES",
    "OPERATOR_WORDS",
    "PARK_MEANING",
    "RECOMMENDATION_MEANINGS",
    "SIGNAL_DEEDS",
    "SIGNAL_NAMES",
    "STRENGTH_WORDS",
    "flag_name",
    "percent",
    "points",
    "words",
]

# Enums whose values are plain words already; listed so a reader of this module sees them.
PLAIN_WORD_ENUMS: Final = (
    AssumptionCategory,
    Confidence,
    DecisionKind,
    Frequency,
    ProblemStatus,
    Recommendation,
    TestOutcome,
    TestStatus,
)


def criteria_words(criteria: Mapping[str, object] | None) -> str:
    """Kill criteria as a sentence: 'pain 80, reach 20 %, feasibility 50, 5 participants'."""
    if not criteria:
        return "the workspace's thresholds"
    parts = []
    for key, unit in (("pain", ""), ("reach", " %"), ("feasibility", "")):
        value = criteria.get(key)
        if isinstance(value, int | float):
            parts.append(f"{key} {points(value)}{unit}")
    people = criteria.get("min_participants")
    if isinstance(people, int | float):
        parts.append(f"{int(people)} participants")
    return ", ".join(parts) or "the workspace's thresholds"


def capitalize_first(text: str) -> str:
    """The first letter up, the rest as written (names and quotes keep their case)."""
    return text[:1].upper() + text[1:]


def unsized_segments_note(unsized: Sequence[str], total: int) -> str | None:
    """What segments without a size do to reach, or None when sizes are not in question."""
    if not unsized or total <= 1:
        return None
    if len(unsized) == total:
        return f"{total} segments have no size, so they weigh equally: set sizes"
    names = ", ".join(unsized)
    verb = "weighs" if len(unsized) == 1 else "weigh"
    noun = "segment" if len(unsized) == 1 else "segments"
    return (
        f"{len(unsized)} {noun} without a size ({names}) {verb} nothing beside the segments"
        " with one: set sizes"
    )


def criterion_sentence(metric: str, operator: object, threshold: float | None) -> str:
    """A test card's success criterion in words: 'at least 70 % of the 20 pilot users'.

    A threshold strictly between 0 and 1 is a share of the metric's population."""
    said = OPERATOR_WORDS.get(CriterionOperator(str(getattr(operator, "value", operator))), "")
    if threshold is None or said in ("yes", "no"):
        return f"the answer to “{metric}” is {said}"
    if 0 < threshold < 1:
        return f"{said} {100 * threshold:g} % of {metric}"
    return f"{metric}: {said} {threshold:g}"

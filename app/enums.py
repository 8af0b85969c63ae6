"""Every enumeration of the domain, in one place.

Stored as plain strings in the database, validated at the edge, listed in the OpenAPI document.
The scoring core imports these too, so they stay free of any database or web code.
"""

from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"
    contributor = "contributor"
    decider = "decider"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


class InterviewKind(StrEnum):
    interview = "interview"
    observation = "observation"
    support_ticket = "support_ticket"
    churn_interview = "churn_interview"
    sales_call = "sales_call"
    survey = "survey"
    usability_test = "usability_test"
    analytics = "analytics"


class Stance(StrEnum):
    supports = "supports"
    contradicts = "contradicts"


class Signal(StrEnum):
    # supporting signals, strongest first
    paid = "paid"
    switched = "switched"
    workaround = "workaround"
    searching = "searching"
    stated = "stated"
    mentioned = "mentioned"
    # contradicting signals
    no_action = "no_action"
    not_a_priority = "not_a_priority"
    not_experienced = "not_experienced"

    @property
    def stance(self) -> Stance:
        return _STANCES[self]

    @property
    def is_behavioural(self) -> bool:
        """People who hurt act: pay, switch, build a workaround, search."""
        return self in _BEHAVIOURAL


# Looked up for every evidence item of every scorecard: a dict is far cheaper than comparing
# the signal with each member in turn.
_STANCES = {
    signal: Stance.contradicts
    if signal in (Signal.no_action, Signal.not_a_priority, Signal.not_experienced)
    else Stance.supports
    for signal in Signal
}
_BEHAVIOURAL = frozenset({Signal.paid, Signal.switched, Signal.workaround, Signal.searching})


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    rarely = "rarely"


class ProblemStatus(StrEnum):
    exploring = "exploring"
    validating = "validating"
    decided = "decided"
    archived = "archived"


class AssumptionCategory(StrEnum):
    desirability = "desirability"
    viability = "viability"
    feasibility = "feasibility"


class TestMethod(StrEnum):
    """How an assumption is tested; the method sets the strength of the evidence."""

    __test__ = False  # not a pytest test class

    interview = "interview"
    survey = "survey"
    prototype = "prototype"
    usability_test = "usability_test"
    technical_spike = "technical_spike"
    pre_sale = "pre_sale"
    letter_of_intent = "letter_of_intent"
    pilot = "pilot"
    concierge = "concierge"
    production_data = "production_data"


class TestStatus(StrEnum):
    __test__ = False

    planned = "planned"
    running = "running"
    concluded = "concluded"


class CriterionOperator(StrEnum):
    """A success criterion: a comparison with a number, or a yes/no answer."""

    gte = ">="
    gt = ">"
    lte = "<="
    lt = "<"
    yes = "yes"
    no = "no"


class TestOutcome(StrEnum):
    __test__ = False

    validated = "validated"
    invalidated = "invalidated"
    inconclusive = "inconclusive"


class DecisionKind(StrEnum):
    pursue = "pursue"
    pivot = "pivot"
    halt = "halt"
    park = "park"


class Recommendation(StrEnum):
    pursue = "pursue"
    pivot = "pivot"
    halt = "halt"
    investigate = "investigate"


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"

"""Every number the scorecard uses, in one place (see docs: scoring.md).

Each is a sensible default chosen so a team can reason about it; change them here, never inline.
"""

from types import MappingProxyType
from typing import Final

from app.enums import Frequency, Signal, TestMethod

# --- Per participant -------------------------------------------------------------------------

# Behaviour outweighs opinion: paying or switching is the strongest proof of pain.
SIGNAL_WEIGHTS: Final = MappingProxyType(
    {
        Signal.paid: 1.0,  # spends money or budget on it
        Signal.switched: 1.0,  # changed vendor, churned or left over it
        Signal.workaround: 0.8,  # built or keeps up a workaround
        Signal.searching: 0.8,  # actively looking for a solution now
        Signal.mentioned: 0.3,  # raised it, no intensity
    }
)
# `stated` pain is weighed by its severity: 0.2 + 0.1 x severity, so 0.3 (severity 1) to 0.7 (5).
STATED_BASE_WEIGHT: Final = 0.2
STATED_WEIGHT_PER_SEVERITY: Final = 0.1
SEVERITY_MIN: Final = 1  # a stated pain without severity counts as the mildest (same as mentioned)
SEVERITY_MAX: Final = 5

# Contradicting signals cap the participant's value; not having the problem at all means 0.
CONTRADICTION_CAPS: Final = MappingProxyType(
    {
        Signal.no_action: 0.3,  # has it, does nothing about it
        Signal.not_a_priority: 0.2,  # has it, ranks it low
        Signal.not_experienced: 0.0,  # does not have it: not affected
    }
)

# How often it hurts scales the weight; no frequency given means no discount.
FREQUENCY_MULTIPLIERS: Final = MappingProxyType(
    {
        Frequency.daily: 1.0,
        Frequency.weekly: 1.0,
        Frequency.monthly: 0.85,
        Frequency.rarely: 0.6,
    }
)
NO_FREQUENCY_MULTIPLIER: Final = 1.0  # frequency unknown: take the signal at face value

# --- Pain depth --------------------------------------------------------------------------------

PRIOR_PARTICIPANTS: Final = 2.0  # a: pseudo-participants, so a handful of quotes stays modest
PRIOR_MEAN: Final = 0.3  # m: their value; with no data pain is 100 x m = 30

# --- Segment reach -----------------------------------------------------------------------------

WILSON_Z: Final = 1.645  # 90 % two-sided: the reach we report is a cautious lower bound

# --- Feasibility -------------------------------------------------------------------------------

DEFAULT_FEASIBILITY: Final = 50.0  # no team estimate: we know nothing either way
VALIDATED_GAIN: Final = 0.5  # a validated test closes half the gap to 100, times its strength
INVALIDATED_LOSS: Final = 0.6  # an invalidated test removes 60 % of f, times its strength
CRITICAL_INVALIDATED_CAP: Final = 20.0  # while a critical assumption is invalidated, f <= 20

# What people say is cheap; what they commit to is not.
METHOD_STRENGTHS: Final = MappingProxyType(
    {
        TestMethod.interview: 0.25,  # said
        TestMethod.survey: 0.25,  # said
        TestMethod.prototype: 0.5,  # did, in a lab
        TestMethod.usability_test: 0.5,  # did, in a lab
        TestMethod.technical_spike: 0.75,  # built a slice of it
        TestMethod.pre_sale: 1.0,  # real commitment
        TestMethod.letter_of_intent: 1.0,  # real commitment
        TestMethod.pilot: 1.0,  # real commitment
        TestMethod.concierge: 1.0,  # real commitment
        TestMethod.production_data: 1.0,  # real behaviour at scale
    }
)

# --- Thresholds (workspace defaults, overridable per problem as kill criteria) -----------------

DEFAULT_PAIN_THRESHOLD: Final = 60.0  # pain must reach this to pursue
DEFAULT_REACH_THRESHOLD: Final = 20.0  # reach (lower bound, % of base) must reach this to pursue
DEFAULT_FEASIBILITY_THRESHOLD: Final = 50.0  # feasibility must reach this to pursue
DEFAULT_MIN_PARTICIPANTS: Final = 5  # below this many participants confidence is low
HALT_PAIN_FRACTION: Final = 0.5  # at medium confidence, pain under half its threshold halts

# --- Confidence --------------------------------------------------------------------------------

HIGH_CONFIDENCE_MIN_PARTICIPANTS: Final = 12  # many people were asked
HIGH_CONFIDENCE_MIN_PER_SEGMENT: Final = 3  # a segment counts as covered from 3 participants
HIGH_CONFIDENCE_MIN_BASE_SHARE: Final = 0.5  # at least half the base weight must be covered

# --- Bias guards -------------------------------------------------------------------------------

SINGLE_SOURCE_SHARE: Final = 0.7  # one logger wrote at least 70 % of the supporting items...
SINGLE_SOURCE_MIN_ITEMS: Final = 4  # ...out of at least 4, else there is too little to judge
NO_DISCONFIRMING_MIN_PARTICIPANTS: Final = 5  # with 5+ people, someone should disagree
OPINIONS_ONLY_MIN_AFFECTED: Final = 3  # 3+ affected who only talk about it
STALE_AFTER_DAYS: Final = 180  # evidence older than about six months may no longer hold

"""The glossary: what each word of the scorecard means, with the figures the model uses.

Pure: built from the scoring constants and words, so the page can never drift from the model.
"""

from typing import Any

from app.enums import Recommendation, Signal
from app.scoring import constants as c
from app.scoring import words
from app.scoring.scorecard import BiasCode


def glossary_terms() -> dict[str, Any]:
    """The figures and words the glossary explains, from the scoring constants themselves."""
    strengths = sorted(set(c.METHOD_STRENGTHS.values()))
    return {
        "c": c,
        "signals": [
            (words.SIGNAL_NAMES[s], words.SIGNAL_DEEDS[s], _signal_weight_words(s)) for s in Signal
        ],
        "strengths": [
            (
                words.STRENGTH_WORDS[strength],
                ", ".join(
                    words.METHOD_NAMES[m] for m, v in c.METHOD_STRENGTHS.items() if v == strength
                ),
            )
            for strength in strengths
        ],
        "flags": [(code, words.FLAG_NAMES[code.value], FLAG_MEANINGS[code]) for code in BiasCode],
        "recommendations": [(r.value, words.RECOMMENDATION_MEANINGS[r]) for r in Recommendation],
        "park": words.PARK_MEANING,
        "percent": words.percent,
    }


def _signal_weight_words(signal: Signal) -> str:
    if signal is Signal.stated:
        low = c.STATED_BASE_WEIGHT + c.STATED_WEIGHT_PER_SEVERITY * c.SEVERITY_MIN
        high = c.STATED_BASE_WEIGHT + c.STATED_WEIGHT_PER_SEVERITY * c.SEVERITY_MAX
        return (
            f"weighs {words.percent(low)} to {words.percent(high)} by its severity"
            f" (1 to 5); without a severity it counts as the mildest, {words.percent(low)}"
        )
    if signal in c.SIGNAL_WEIGHTS:
        return f"weighs {words.percent(c.SIGNAL_WEIGHTS[signal])}"
    cap = c.CONTRADICTION_CAPS[signal]
    if cap == 0:
        return "the person is not affected: weighs 0 %"
    return f"limits the person to {words.percent(cap)} at most"


FLAG_MEANINGS: dict[BiasCode, str] = {
    BiasCode.single_source: (
        f"one person logged at least {words.percent(c.SINGLE_SOURCE_SHARE)} of the supporting"
        f" evidence ({c.SINGLE_SOURCE_MIN_ITEMS} items or more): one enthusiast can hear what"
        " they hope to hear"
    ),
    BiasCode.owner_only: "only the problem's owner logged evidence",
    BiasCode.no_disconfirming: (
        f"{c.NO_DISCONFIRMING_MIN_PARTICIPANTS} or more participants and nobody contradicts or"
        " is unaffected: look for people who do not have the problem"
    ),
    BiasCode.opinions_only: (
        f"{c.OPINIONS_ONLY_MIN_AFFECTED} or more people are affected, but none pays, switched,"
        " keeps a workaround or is searching: they say it hurts but do nothing"
    ),
    BiasCode.narrow_segment: "all evidence comes from one segment while the base has others",
    BiasCode.stale: f"the newest evidence is more than {c.STALE_AFTER_DAYS} days old",
    BiasCode.unsegmented: (
        "some participants have no segment: they count for confidence, not for reach"
    ),
    BiasCode.goalposts_moved: "the kill criteria were loosened after evidence came in",
    BiasCode.against_evidence: (
        "a decision went against the recommendation: allowed, but visible (parking never is)"
    ),
}

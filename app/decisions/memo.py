"""The decision memo: one document leadership can read, print and keep.

Pure: frozen data in (`Memo`), Markdown out; the HTML page renders the same `Memo` through
templates/decisions/memo.html. No database, no clock: a decision's memo is rebuilt from what the
decision froze, so it reads the same, byte for byte, however the evidence moves on afterwards.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.enums import (
    AssumptionCategory,
    Confidence,
    CriterionOperator,
    DecisionKind,
    Frequency,
    ProblemStatus,
    Recommendation,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.scoring.engine import frequency_multiplier, signal_weight
from app.scoring.scorecard import AssumptionState, Contribution, Scorecard
from app.scoring.words import METHOD_NAMES, OPERATOR_WORDS, flag_name, points, words

# The key under which a decision keeps its memo context, beside the frozen scorecard.
MEMO_KEY = "memo_context"
QUOTES_PER_STANCE = 5
CONTRIBUTIONS_SHOWN = 12

# Behaviour first: what people do says more than what they say. For contradicting evidence,
# observed inaction comes first, then not having the problem, then ranking it low.
CONTRADICTING_ORDER = (Signal.no_action, Signal.not_experienced, Signal.not_a_priority)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MemoProblem(_Frozen):
    id: int
    title: str
    statement: str
    status: ProblemStatus
    owner: str
    review_by: date | None


class MemoQuote(_Frozen):
    evidence_id: int
    quote: str
    stance: Stance
    signal: Signal
    severity: int | None
    frequency: Frequency | None
    participant_id: int | None
    participant: str | None
    segment: str | None
    seen_on: date


class MemoTest(_Frozen):
    test_id: int
    assumption_id: int
    assumption: str
    category: AssumptionCategory
    critical: bool
    method: TestMethod
    metric: str
    criterion: str  # the operator with its threshold, e.g. ">= 0.9" or "yes"
    criterion_fixed_at: datetime | None
    status: TestStatus
    observed_value: float | None
    outcome: TestOutcome | None
    learning: str
    concluded_at: datetime | None
    # Memos frozen before reasons were kept have none.
    inconclusive_reason: str = ""


class MemoDecision(_Frozen):
    decision_id: int
    kind: DecisionKind
    decided_at: datetime
    decided_by: str
    rationale: str
    dissent: str
    customer_advocate_notes: str
    review_on: date | None
    recommendation: Recommendation | None
    against_evidence: bool
    # Memos frozen before the reason was asked have none.
    against_reason: str = ""


class MemoContext(_Frozen):
    """Everything a memo shows beside the scorecard, frozen into a decision when it is taken."""

    workspace: str
    problem: MemoProblem
    supporting: list[MemoQuote]
    contradicting: list[MemoQuote]
    tests: list[MemoTest]
    decisions: list[MemoDecision]


class Memo(_Frozen):
    context: MemoContext
    scorecard: Scorecard
    decision_id: int | None = None  # the decision this memo records; None: the memo of today


# ---- choosing and wording ---------------------------------------------------------------------


def is_against_evidence(kind: DecisionKind, recommendation: Recommendation | None) -> bool:
    """A decision against the recommendation; parking is never against it."""
    return (
        kind is not DecisionKind.park
        and recommendation is not None
        and kind.value != recommendation.value
    )


def criterion_text(operator: str, threshold: float | None) -> str:
    """A success criterion in words: 'at least 3', 'yes'."""
    try:
        said = OPERATOR_WORDS[CriterionOperator(operator)]
    except ValueError:
        said = operator
    if threshold is None:
        return said
    # a threshold between 0 and 1 is a share, as on the test card
    return f"{said} {100 * threshold:g} %" if 0 < threshold < 1 else f"{said} {num(threshold)}"


def num(value: float) -> str:
    """A number as people write it: 60, 52.5, 33.33."""
    return format(round(value, 2) + 0.0, "g")


def detail(value: float) -> str:
    """A score in the memo's detail table: one decimal, the same everywhere in the memo."""
    return f"{round(value, 1) + 0.0:.1f}"


def signed(value: float) -> str:
    text = detail(value)
    return text if text.startswith("-") else f"+{text}"


def _support_key(q: MemoQuote) -> tuple[object, ...]:
    weight = signal_weight(q.signal, severity=q.severity) * frequency_multiplier(q.frequency)
    return (not q.signal.is_behavioural, -weight, -q.seen_on.toordinal(), q.evidence_id)


def _contradict_key(q: MemoQuote) -> tuple[object, ...]:
    return (CONTRADICTING_ORDER.index(q.signal), -q.seen_on.toordinal(), q.evidence_id)


def strongest_quotes(
    quotes: Iterable[MemoQuote], stance: Stance, limit: int = QUOTES_PER_STANCE
) -> list[MemoQuote]:
    """The strongest quotes of one stance, behaviour first, one per participant."""
    key = _support_key if stance is Stance.supports else _contradict_key
    best: dict[object, MemoQuote] = {}
    for q in sorted((q for q in quotes if q.signal.stance is stance), key=key):
        # Ten quotes from one talkative customer are still one voice.
        who: object = q.participant_id if q.participant_id is not None else ("item", q.evidence_id)
        best.setdefault(who, q)
    return sorted(best.values(), key=key)[:limit]


def what_would_change(card: Scorecard) -> list[str]:
    """The evidence that would move the call, read from the scorecard alone."""
    advice = card.recommendation
    if advice.would_change_call:
        return list(advice.would_change_call)
    t = card.thresholds
    pain, reach, feasibility = card.pain.value, card.reach, card.feasibility.value
    invalidated = [a for a in card.critical_assumptions if a.state is AssumptionState.invalidated]
    wanted: list[str] = []
    if advice.value is Recommendation.pursue:
        wanted.append(f"pain depth falling below {points(t.pain)} (now {points(pain)})")
        wanted.append(f"segment reach falling below {points(t.reach)} (now {points(reach.value)})")
        wanted.append(
            f"feasibility falling below {points(t.feasibility)} (now {points(feasibility)})"
        )
        wanted.append("a test that invalidates a critical assumption")
    elif advice.value is Recommendation.halt:
        wanted += [
            f"a new test that validates the critical assumption '{a.statement}'"
            for a in invalidated
        ]
        if pain < t.pain / 2:
            wanted.append(
                f"evidence of deeper pain: pain depth of at least {points(t.pain / 2)} "
                f"(now {points(pain)}), from people who pay, switch, keep a workaround or search"
            )
        elif card.confidence.level is Confidence.high and pain < t.pain:
            wanted.append(f"pain depth of at least {points(t.pain)} (now {points(pain)})")
        if reach.upper < t.reach:
            wanted.append(
                f"evidence that more of the base has it: the upper bound of reach at "
                f"{points(t.reach)} or more (now {points(reach.upper)})"
            )
    elif advice.value is Recommendation.pivot:
        if reach.value < t.reach:
            wanted.append(
                f"segment reach of at least {points(t.reach)} (now {points(reach.value)})"
            )
        if feasibility < t.feasibility:
            wanted.append(
                f"feasibility of at least {points(t.feasibility)} (now {points(feasibility)}): "
                "a test that validates the blocking assumption"
            )
    for segment in reach.unasked_segments:
        wanted.append(f"participants from {segment}, never asked")
    return wanted or ["no single piece of evidence; see the reasons above"]


def contributions_shown(
    contributions: Sequence[Contribution], limit: int = CONTRIBUTIONS_SHOWN
) -> list[tuple[str, float]]:
    """The largest terms of a score by size, the rest summed into one line, so they still add up."""
    ranked = sorted(enumerate(contributions), key=lambda ic: (-abs(ic[1].amount), ic[0]))
    if len(ranked) <= limit:
        return [(c.label, c.amount) for c in contributions]
    kept = sorted(ranked[: limit - 1], key=lambda ic: ic[0])
    rest = [c for _, c in ranked[limit - 1 :]]
    lines = [(c.label, c.amount) for _, c in kept]
    lines.append((f"{len(rest)} more terms", round(sum(c.amount for c in rest), 2)))
    return lines


def meets(value: float, threshold: float) -> str:
    return "meets" if value >= threshold else "below"


def quote_source(q: MemoQuote) -> str:
    who = q.participant or "no participant"
    if q.segment:
        who += f" ({q.segment})"
    signal = words(q.signal)
    if q.severity is not None:
        signal += f", severity {q.severity}"
    if q.frequency is not None:
        signal += f", {q.frequency.value}"
    return f"{who}, {signal}, {q.seen_on.isoformat()}"


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def title_of(memo: Memo) -> str:
    return f"Decision memo: {memo.context.problem.title}"


def decision_of(memo: Memo) -> MemoDecision | None:
    return next((d for d in memo.context.decisions if d.decision_id == memo.decision_id), None)


# ---- Markdown ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _quoted(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.strip().splitlines()] or [">"]


def _paragraph(text: str, empty: str) -> list[str]:
    text = text.strip()
    return text.splitlines() if text else [empty]


def render_markdown(memo: Memo) -> str:
    """The memo as Markdown, from frozen data only."""
    ctx, card = memo.context, memo.scorecard
    p = ctx.problem
    out: list[str] = [f"# {title_of(memo)}", ""]
    out.append(
        f"{ctx.workspace} · problem {p.id} · status {words(p.status)} · owner {p.owner or '-'}"
    )
    out.append(f"Scorecard as of {when(card.as_of)}")
    decision = decision_of(memo)
    if decision is not None:
        out.append(
            f"Memo of decision {decision.decision_id}: {decision.kind.value}, "
            f"{when(decision.decided_at)}, by {decision.decided_by or '-'}"
        )
    if p.review_by is not None:
        out.append(f"Review by {p.review_by.isoformat()}")
    out += ["", "## Problem statement", "", *_paragraph(p.statement, "_No statement written._")]

    advice = card.recommendation
    out += [
        "",
        f"## Recommendation: {advice.value.value} ({card.confidence.level.value} confidence)",
        "",
    ]
    out += [f"- {reason}" for reason in advice.reasons] or ["- no reasons recorded"]

    t = card.thresholds
    source = t.source + (f", set {when(t.changed_at)}" if t.changed_at else "")
    out += [
        "",
        "## Scorecard",
        "",
        "| score | value | threshold | |",
        "| --- | ---: | ---: | --- |",
        f"| pain depth | {detail(card.pain.value)} | {num(t.pain)} "
        f"| {meets(card.pain.value, t.pain)} |",
        f"| segment reach | {detail(card.reach.value)} % | {num(t.reach)} % "
        f"| {meets(card.reach.value, t.reach)} |",
        f"| feasibility | {detail(card.feasibility.value)} | {num(t.feasibility)} "
        f"| {meets(card.feasibility.value, t.feasibility)} |",
        "",
        f"Thresholds from {source}; at least {t.min_participants} participants for medium "
        "confidence.",
        f"Participants: {card.counts.participants} ({card.counts.affected} affected); evidence "
        f"items: {card.counts.evidence_items} ({card.counts.supporting} supporting, "
        f"{card.counts.contradicting} contradicting).",
        f"Reach: {detail(card.reach.value)} % cautious estimate, {detail(card.reach.point)} % "
        f"as asked, {detail(card.reach.upper)} % at most.",
        "",
        f"Confidence {card.confidence.level.value}: " + "; ".join(card.confidence.reasons),
    ]
    for heading, score in (
        (f"Pain depth {detail(card.pain.value)}", card.pain),
        (f"Segment reach {detail(card.reach.value)} %", card.reach),
        (f"Feasibility {detail(card.feasibility.value)}", card.feasibility),
    ):
        out += ["", f"### {heading}", ""]
        out += [
            f"- {signed(amount)}: {label}"
            for label, amount in contributions_shown(score.contributions)
        ] or ["- no contributions"]
    if card.feasibility.rationale:
        out += ["", "Team's feasibility rationale:", "", *_quoted(card.feasibility.rationale)]

    out += ["", "## Bias flags", ""]
    out += [f"- **{flag_name(f.code)}**: {f.message}" for f in card.flags] or ["None raised."]
    if decision is not None and decision.against_evidence:
        out.append(
            f"- **{flag_name('against_evidence')}**: this decision ({decision.kind.value}) went"
            " against the recommendation to"
            f" {decision.recommendation.value if decision.recommendation else ''}"
        )

    for heading, quotes in (
        ("Strongest supporting evidence", ctx.supporting),
        ("Strongest contradicting evidence", ctx.contradicting),
    ):
        out += ["", f"## {heading}", ""]
        if not quotes:
            out.append("None logged.")
        for q in quotes:
            out += [*_quoted(q.quote), f"> — {quote_source(q)}", ""]
        if quotes:
            out.pop()

    out += ["", "## Assumption tests", ""]
    if card.critical_assumptions:
        out.append("Critical assumptions:")
        out.append("")
        out += [
            f"- {a.statement} ({a.category.value}): {a.state.value}"
            for a in card.critical_assumptions
        ]
        out.append("")
    if ctx.tests:
        out += [
            "| test | assumption | method | metric | criterion | status | observed | outcome |",
            "| ---: | --- | --- | --- | --- | --- | ---: | --- |",
        ]
        for test in ctx.tests:
            observed = num(test.observed_value) if test.observed_value is not None else "-"
            outcome = test.outcome.value if test.outcome else "-"
            critical = " (critical)" if test.critical else ""
            out.append(
                f"| {test.test_id} | {_cell(test.assumption)}{critical} "
                f"| {METHOD_NAMES[test.method]} | {_cell(test.metric)} "
                f"| {_cell(test.criterion)} | {test.status.value} | {observed} | {outcome} |"
            )
        learnings = [test for test in ctx.tests if test.learning.strip()]
        if learnings:
            out += ["", "Learnings:", ""]
            out += [f"- test {test.test_id}: {_cell(test.learning)}" for test in learnings]
        reasons = [test for test in ctx.tests if test.inconclusive_reason.strip()]
        if reasons:
            out += ["", "Inconclusive because:", ""]
            out += [f"- test {test.test_id}: {_cell(test.inconclusive_reason)}" for test in reasons]
    else:
        out.append("No tests planned.")

    out += ["", "## Decision history", ""]
    if not ctx.decisions:
        out.append("No decision recorded yet.")
    for d in ctx.decisions:
        out += [
            f"### Decision {d.decision_id}: {d.kind.value}, {when(d.decided_at)}, "
            f"by {d.decided_by or '-'}",
            "",
        ]
        if d.recommendation is not None:
            stance = "against" if d.against_evidence else "with"
            out.append(f"Recommendation at the time: {d.recommendation.value} ({stance} it).")
        if d.review_on is not None:
            out.append(f"Review on {d.review_on.isoformat()}.")
        out += ["", "Rationale:", "", *_quoted(d.rationale)]
        if d.against_reason.strip():
            out += ["", "Why against the evidence:", "", *_quoted(d.against_reason)]
        if d.dissent.strip():
            out += ["", "Dissent:", "", *_quoted(d.dissent)]
        if d.customer_advocate_notes.strip():
            out += ["", "Customer advocate:", "", *_quoted(d.customer_advocate_notes)]
        out.append("")
    if ctx.decisions:
        out.pop()

    out += ["", "## What evidence would change the call", ""]
    out += [f"- {item}" for item in what_would_change(card)]
    return "\n".join(out) + "\n"


# ---- HTML -------------------------------------------------------------------------------------


def memo_template_context(memo: Memo) -> dict[str, Any]:
    """What templates/decisions/memo.html needs: the memo and the wording helpers above."""
    return {
        "memo": memo,
        "card": memo.scorecard,
        "memo_title": title_of(memo),
        "detail": detail,
        "words": words,
        "flag_name": flag_name,
        "method_name": lambda method: METHOD_NAMES[method],
        "this_decision": decision_of(memo),
        "would_change": what_would_change(memo.scorecard),
        "num": num,
        "signed": signed,
        "when": when,
        "meets": meets,
        "quote_source": quote_source,
        "contributions_shown": contributions_shown,
    }

"""Where a highlight's quote is in its interview's notes: pure functions, no database.

A highlight keeps its quote and the character offsets (Python string indices) of that quote in
the notes. When the notes change, the quote is looked for again: first exactly, the occurrence
nearest to where it was; then approximately (a typo fixed, a word changed), with rapidfuzz;
failing both it is detached: kept, shown apart, never dropped.
"""

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

# A passage that scores at least this (0..100) against the quote is the quote, edited.
FUZZY_CUTOFF = 85.0
# Shorter quotes match too much by chance: they are found exactly or not at all.
FUZZY_MIN_LENGTH = 12
# The approximate search looks this far around the old place first, then in the whole text.
NEAR = 2_000


class Outcome(StrEnum):
    kept = "kept"  # found where it was
    moved = "moved"  # found, word for word, elsewhere
    changed = "changed"  # found approximately: the quote becomes the edited passage
    detached = "detached"  # not found


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: bool


def nearest_exact(notes: str, quote: str, hint: int | None = None) -> int | None:
    """The start of the occurrence of `quote` nearest to `hint` (the first one without)."""
    if not quote:
        return None
    if hint is None:
        found = notes.find(quote)
        return None if found < 0 else found
    hint = min(max(hint, 0), len(notes))
    after = notes.find(quote, hint)
    before = notes.rfind(quote, 0, min(len(notes), hint + len(quote) - 1))
    candidates = [p for p in (after, before) if p >= 0]
    return min(candidates, key=lambda p: abs(p - hint)) if candidates else None


def _fuzzy(notes: str, quote: str, lo: int, hi: int) -> Span | None:
    window = notes[lo:hi]
    if not window.strip():
        return None
    found = fuzz.partial_ratio_alignment(quote, window, score_cutoff=FUZZY_CUTOFF)
    if found is None or found.dest_end <= found.dest_start:
        return None
    start, end = lo + found.dest_start, lo + found.dest_end
    # The alignment is as long as the quote: it may take a space in or leave one out.
    while start < end and notes[start].isspace():
        start += 1
    while end > start and notes[end - 1].isspace():
        end -= 1
    return Span(start, end, exact=False) if end > start else None


def locate(notes: str, quote: str, hint: int | None = None) -> Span | None:
    """Where `quote` is in `notes`: exact and nearest the hint first, then approximate."""
    if not quote or not notes:
        return None
    if hint is not None and notes.startswith(quote, hint):
        return Span(hint, hint + len(quote), exact=True)
    start = nearest_exact(notes, quote, hint)
    if start is not None:
        return Span(start, start + len(quote), exact=True)
    if len(quote.strip()) < FUZZY_MIN_LENGTH:
        return None
    if hint is not None:
        reach = NEAR + 2 * len(quote)
        lo, hi = max(0, hint - reach), min(len(notes), hint + len(quote) + reach)
        near = _fuzzy(notes, quote, lo, hi)
        if near is not None or (lo == 0 and hi == len(notes)):
            return near
    return _fuzzy(notes, quote, 0, len(notes))


def reanchor(notes: str, quote: str, start: int | None) -> tuple[Outcome, Span | None]:
    """Place a highlight again in edited notes, and say what happened to it."""
    span = locate(notes, quote, start)
    if span is None:
        return Outcome.detached, None
    if not span.exact:
        return Outcome.changed, span
    return (Outcome.kept if span.start == start else Outcome.moved), span

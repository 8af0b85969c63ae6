"""Likely duplicates among names or titles: the same text apart from case, accents or
spacing, or a small edit away. Pure; the caller loads the names and decides what to show."""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel
from rapidfuzz import fuzz, process

# Scores of rapidfuzz's ratio (0..100): "Jon Smith" / "John Smith" is 95, "Bob" / "Rob" 67.
SIMILAR = 88
SUGGESTIONS_MAX = 50
SCAN_ENOUGH = 4  # times the suggestions shown
SAME = "same apart from case, accents or spacing"
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Casefolded, without accents, punctuation around words or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = "".join(c if c.isalnum() else " " for c in plain)
    return _SPACES.sub(" ", plain).strip()


class Suggestion(BaseModel):
    keep_id: int
    other_id: int
    keep_name: str
    other_name: str
    score: int
    reason: str


def _numbers(text: str) -> list[str]:
    return [n.lstrip("0") for n in _DIGITS.findall(text)]


def likely_duplicates(
    rows: Iterable[tuple[int, str]], *, cutoff: int = SIMILAR, limit: int = SUGGESTIONS_MAX
) -> list[Suggestion]:
    """Pairs of rows whose names are probably the same thing, the surest first (at most
    `limit`). The older row (smaller id) is the one to keep.

    Exact matches once normalised come first; then names within a small edit, compared only
    inside blocks sharing their first letter and their numbers, so thousands of rows stay cheap.
    Names whose numbers differ ("Interviewee 04", "Interviewee 05") are never paired."""
    names: dict[int, str] = {}
    by_key: dict[str, list[int]] = defaultdict(list)
    for row_id, name in sorted(rows):
        key = normalise(name)
        if key:
            names[row_id] = name
            by_key[key].append(row_id)
    found: list[Suggestion] = []
    for ids in by_key.values():
        for other in ids[1:]:
            found.append(_pair(names, ids[0], other, 100, SAME))
    # Only names with the same first letter and the same numbers are compared.
    blocks: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for key in by_key:
        blocks[key[0], tuple(_numbers(key))].append(key)
    similar = [] if len(found) >= limit else _similar(names, by_key, blocks, cutoff, limit)
    similar.sort(key=lambda s: (-s.score, s.keep_id, s.other_id))
    return (found + similar)[:limit]


def _similar(
    names: dict[int, str],
    by_key: dict[str, list[int]],
    blocks: dict[tuple[str, tuple[str, ...]], list[str]],
    cutoff: int,
    limit: int,
) -> list[Suggestion]:
    """Pairs within a small edit, block by block; the scan stops once it has found a few
    times more than it may show, so a workspace full of look-alikes costs no more."""
    similar: list[Suggestion] = []
    for keys in blocks.values():
        for i, a in enumerate(keys[:-1]):
            for b, score, _ in process.extract(
                a, keys[i + 1 :], scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
            ):
                first, second = sorted((by_key[a][0], by_key[b][0]))
                similar.append(_pair(names, first, second, round(score), "similar name"))
            if len(similar) >= SCAN_ENOUGH * limit:
                return similar
    return similar


def _pair(names: dict[int, str], keep: int, other: int, score: int, reason: str) -> Suggestion:
    return Suggestion(
        keep_id=keep,
        other_id=other,
        keep_name=names[keep],
        other_name=names[other],
        score=score,
        reason=reason,
    )


def ids_of(suggestions: Sequence[Suggestion]) -> set[int]:
    return {s.keep_id for s in suggestions} | {s.other_id for s in suggestions}

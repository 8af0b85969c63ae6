"""What a search query asks for, and how each database is asked it.

The syntax, the same on SQLite and PostgreSQL:
- words: every word must be found (after stemming: "rolling" finds "roll" and "rolls");
- `"a phrase"`: these words next to each other, in this order;
- `-word` or `-"a phrase"`: leave out what holds it;
- `a OR b`: either of them (an OR joins the terms on each side of it);
- `roll*`: any word starting with "roll" (a prefix is only ever asked for, never added).
Hyphenated words ("roll-back") are read as a phrase. Common words ("the", "us", "not") are
dropped from the words to find, so "us" never finds "using" (which the Porter stemmer of the
SQLite index reads as "us"); PostgreSQL's english configuration drops the same words, so both
databases find the same rows. A query made only of common words asks for nothing.

Each database gets its own query text built here from plain words (letters and digits only), so
no input can break its syntax.
"""

import re
from dataclasses import dataclass

MAX_TERMS = 12

# PostgreSQL's english stop words, plus "us" (which the Porter stemmer makes of "using").
_STOP_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did doing
    a an the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now us
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_TOKEN = re.compile(r'(?:(?<!\S)(-))?(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # more than one: a phrase
    prefix: bool = False


@dataclass(frozen=True)
class Parsed:
    groups: tuple[tuple[Term, ...], ...]  # every group must match; a group is terms OR-ed
    excluded: tuple[Term, ...]

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for group in self.groups for term in group)

    @property
    def words(self) -> list[str]:
        """The words to find, in order, each once."""
        return list(dict.fromkeys(word for term in self.terms for word in term.words))

    @property
    def single_word(self) -> bool:
        """One word to find, whole: its phrase and its words are the same thing."""
        terms = self.terms
        return len(terms) == 1 and len(terms[0].words) == 1 and not terms[0].prefix

    @property
    def can_relax(self) -> bool:
        """Whether "any of the words" would find more than "all of them"."""
        return len(self.groups) > 1


def parse(q: str) -> Parsed:
    """The terms of a query; any input gives a (possibly empty) safe query."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    count = 0
    for match in _TOKEN.finditer(q):
        minus, phrase, bare = match.groups()
        if bare == "OR":
            join_next = bool(groups)
            continue
        raw = phrase if phrase is not None else bare
        words = tuple(w.lower() for w in _WORD.findall(raw))
        prefix = phrase is None and raw.endswith("*")
        if len(words) == 1 and not prefix and words[0] in STOP_WORDS:
            words = ()
        if not words or count == MAX_TERMS:
            join_next = False
            continue
        count += 1
        term = Term(words, prefix)
        if minus:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return Parsed(tuple(tuple(group) for group in groups), tuple(excluded))


def terms(q: str) -> list[str]:
    """The words a query looks for (none: it asks for nothing)."""
    return parse(q).words


# ---- SQLite FTS5 ------------------------------------------------------------------------------


def _fts_term(term: Term) -> str:
    return f'"{" ".join(term.words)}"' + ("*" if term.prefix else "")


def _fts_any(terms: tuple[Term, ...]) -> str:
    return "(" + " OR ".join(_fts_term(t) for t in terms) + ")"


def fts5(parsed: Parsed, *, every: bool) -> str:
    """An FTS5 MATCH expression: every group (or any term) and none of the excluded."""
    if every:
        found = " AND ".join(_fts_any(group) for group in parsed.groups)
    else:
        found = _fts_any(parsed.terms)
    if parsed.excluded:
        found = f"({found}) NOT {_fts_any(parsed.excluded)}"
    return found


def fts5_phrase(parsed: Parsed) -> str:
    """The words as one phrase (ranked first where it is found)."""
    return f'"{" ".join(parsed.words)}"'


def fts5_marks(parsed: Parsed) -> str:
    """What to mark in a hit: the phrase as one run where it is, else each term."""
    if len(parsed.words) > 1:
        return f"{fts5_phrase(parsed)} OR {_fts_any(parsed.terms)}"
    return _fts_any(parsed.terms)


# ---- PostgreSQL tsquery -----------------------------------------------------------------------


def _ts_term(term: Term) -> str:
    text = " <-> ".join(term.words) + (":*" if term.prefix else "")
    return f"({text})"


def _ts_any(terms: tuple[Term, ...]) -> str:
    return "(" + " | ".join(_ts_term(t) for t in terms) + ")"


def tsquery(parsed: Parsed, *, every: bool, exclude: bool = True) -> str:
    """Text for to_tsquery('english', ...): the same query as `fts5`."""
    if every:
        found = " & ".join(_ts_any(group) for group in parsed.groups)
    else:
        found = _ts_any(parsed.terms)
    if exclude and parsed.excluded:
        found = f"({found}) & !{_ts_any(parsed.excluded)}"
    return found

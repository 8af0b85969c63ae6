"""What a search query asks for, and how each database is asked it.

The syntax, the same on SQLite and PostgreSQL:
- words: every word must be found (after stemming: "rolling" finds "roll" and "rolls");
- `"a phrase"`: these words next to each other, in this order;
- `-word` or `-"a phrase"`: leave out what holds it;
- `a OR b`: either of them (an OR joins the terms on each side of it);
- `roll*`: any word starting with "roll" (a prefix is only ever asked for, never added).
Hyphenated words ("roll-back") are read as a phrase. A word typed as one is also found written
as two (see `splits`): "rollback" finds "rolling back", "login" finds "log in". Common words
("the", "us", "not") are dropped from the words to find, so "us" never finds "using" (which the
Porter stemmer of the SQLite index reads as "us"); PostgreSQL's english configuration drops the
same words, so both databases find the same rows. A query made only of common words asks for
nothing.

Each database gets its own query text built here from plain words (letters and digits only), so
no input can break its syntax.

PostgreSQL's documents hold no common words, so it cannot tell "log in" from "log" by its index
alone. When a split or a phrase holds a common word, its index finds the rows with the other
words (`tsquery(..., marked=False)`, which asks for more rows, never fewer), and each of them is
checked against the same query over its text read again with those common words marked (`MARK`
+ word, which no stop list drops; `marked_words`). That costs a reading of each row holding the
other words, so only such queries pay it.
"""

import re
from dataclasses import dataclass

MAX_TERMS = 12
# A word of SPLIT_LETTERS letters is also looked for as two adjacent words, each of at least
# three letters, or three and then a common word of two ("log in", "sign up").
SPLIT_LETTERS = range(5, 17)
MARK = "qqx"

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
    splits: tuple[tuple[str, str], ...] = ()  # the word written as two, any of them

    @property
    def variants(self) -> tuple[tuple[str, ...], ...]:
        """What counts as the term: its words (as a phrase), or any of its splits."""
        return (self.words, *self.splits)


def splits(word: str) -> tuple[tuple[str, str], ...]:
    """The ways to write a word as two adjacent words: "rollback" as "roll back".

    Both parts have three letters or more, or the second is a common word of two ("in",
    "up"); a split into two common words ("within" as "with in") would find nothing on
    PostgreSQL, which keeps no common word, so it is not made. Only letters are split, and only
    words of SPLIT_LETTERS letters: a word gives at most a dozen phrases.
    """
    if not word.isalpha() or len(word) not in SPLIT_LETTERS:
        return ()
    found = []
    for cut in range(3, len(word) - 1):
        first, second = word[:cut], word[cut:]
        if len(second) == 2 and second not in STOP_WORDS:
            continue
        if first in STOP_WORDS and second in STOP_WORDS:
            continue
        found.append((first, second))
    return tuple(found)


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
        return (
            len(terms) == 1
            and len(terms[0].words) == 1
            and not terms[0].prefix
            and not terms[0].splits
        )

    @property
    def marked_words(self) -> frozenset[str]:
        """The common words of phrases and splits: PostgreSQL reads the text again for them."""
        return frozenset(
            word
            for term in (*self.terms, *self.excluded)
            if not term.prefix
            for words in term.variants
            if len(words) > 1
            for word in words
            if word in STOP_WORDS
        )

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
        plain = phrase is None and not prefix and len(words) == 1
        term = Term(words, prefix, splits(words[0]) if plain else ())
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
    if term.splits:
        return "(" + " OR ".join(f'"{" ".join(words)}"' for words in term.variants) + ")"
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


def _ts_term(term: Term, marked: frozenset[str]) -> str:
    def phrase(words: tuple[str, ...]) -> str:
        return " <-> ".join(MARK + w if w in marked else w for w in words)

    if term.splits:
        return "(" + " | ".join(f"({phrase(words)})" for words in term.variants) + ")"
    if term.prefix:
        return f"({' <-> '.join(term.words)}:*)"
    return f"({phrase(term.words)})"


def _ts_any(terms: tuple[Term, ...], marked: frozenset[str]) -> str:
    return "(" + " | ".join(_ts_term(t, marked) for t in terms) + ")"


def tsquery(parsed: Parsed, *, every: bool, exclude: bool = True, marked: bool = False) -> str:
    """Text for to_tsquery('english', ...): the same query as `fts5`.

    `marked`: the query for a text whose `marked_words` are marked (see the module's notes).
    Not `marked`, a query with such words asks the index for more rows than match: then it
    leaves out nothing (leaving out more rows than match would lose some).
    """
    words = parsed.marked_words if marked else frozenset()
    if every:
        found = " & ".join(_ts_any(group, words) for group in parsed.groups)
    else:
        found = _ts_any(parsed.terms, words)
    if exclude and parsed.excluded and (marked or not parsed.marked_words):
        found = f"({found}) & !{_ts_any(parsed.excluded, words)}"
    return found


def tsquery_sure(parsed: Parsed, *, every: bool) -> str | None:
    """Text for to_tsquery('english', ...) that a stored document matches only when its text
    matches the marked query (`tsquery(..., marked=True)`): the splits and phrases holding a
    common word left out. A row it finds needs no second reading. None when nothing is left to
    ask, or when a left-out term holds a common word (only the text can tell it is absent)."""
    words = parsed.marked_words

    def holds_marked(variant: tuple[str, ...]) -> bool:
        return len(variant) > 1 and any(word in words for word in variant)

    def sure(term: Term) -> str | None:
        if term.prefix:
            return _ts_term(term, frozenset())
        kept = [v for v in term.variants if not holds_marked(v)]
        if not kept:
            return None
        return "(" + " | ".join(f"({' <-> '.join(v)})" for v in kept) + ")"

    def any_of(terms: tuple[Term, ...]) -> str | None:
        found = [text for text in map(sure, terms) if text is not None]
        return "(" + " | ".join(found) + ")" if found else None

    if any(holds_marked(v) for term in parsed.excluded if not term.prefix for v in term.variants):
        return None
    parts = [any_of(group) for group in parsed.groups] if every else [any_of(parsed.terms)]
    if not parts or any(part is None for part in parts):
        return None
    found = " & ".join(part for part in parts if part is not None)
    if parsed.excluded:
        found = f"({found}) & !{_ts_any(parsed.excluded, frozenset())}"
    return found

"""The query syntax: any text gives a query each database accepts."""

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from app.search import query as syntax

ALPHABET = st.sampled_from(list("ab é-\"*() OR:&|!<>'^"))


@given(st.text(ALPHABET, max_size=40) | st.text(max_size=40))
def test_any_text_gives_a_valid_fts5_query(q: str) -> None:
    parsed = syntax.parse(q)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61')")
    db.execute("INSERT INTO t VALUES ('a b é or ab')")
    if parsed.terms:
        for every in (True, False):
            db.execute(
                "SELECT count(*) FROM t WHERE t MATCH ?", (syntax.fts5(parsed, every=every),)
            )
        db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (syntax.fts5_marks(parsed),))
    assert all(
        w not in syntax.STOP_WORDS
        for t in parsed.terms
        if len(t.words) == 1 and not t.prefix
        for w in t.words
    )


def test_or_joins_its_neighbours_and_a_minus_leaves_out() -> None:
    parsed = syntax.parse('a1 OR b2 c3 -d4 -"e5 f6" roll* roll-back')
    assert [[t.words for t in g] for g in parsed.groups] == [
        [("a1",), ("b2",)],
        [("c3",)],
        [("roll",)],
        [("roll", "back")],
    ]
    assert [t.words for t in parsed.excluded] == [("d4",), ("e5", "f6")]
    assert [t.prefix for t in parsed.terms] == [False, False, False, True, False]
    assert syntax.tsquery(parsed, every=True) == (
        "(((a1) | (b2)) & ((c3)) & ((roll:*)) & ((roll <-> back))) & !((d4) | (e5 <-> f6))"
    )

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


def test_a_plain_word_is_also_looked_for_written_as_two() -> None:
    assert ("roll", "back") in syntax.splits("rollback")
    assert syntax.splits("login") == (("log", "in"),)
    assert ("sign", "up") in syntax.splits("signup")
    # No split of two letters first, none into two common words, none of a short word.
    assert syntax.splits("usage") == ()
    assert ("with", "in") not in syntax.splits("within")
    assert syntax.splits("logs") == ()
    # Bounded: a long word is not split at all, a shorter one a dozen ways at most.
    assert syntax.splits("a" * 16) and len(syntax.splits("a" * 16)) <= 12
    assert syntax.splits("a" * 17) == ()
    assert syntax.splits("covid19") == ()
    # Only words typed plain are split: not phrases, prefixes or hyphenated words.
    parsed = syntax.parse('login "rollback plan" signup* roll-back -rollback')
    assert [t.splits for t in parsed.terms] == [(("log", "in"),), (), (), ()]
    assert parsed.excluded[0].splits == syntax.splits("rollback")
    assert syntax.fts5(syntax.parse("login"), every=True) == '(("login" OR "log in"))'


def test_postgresql_is_asked_for_more_rows_then_for_the_common_words_marked() -> None:
    parsed = syntax.parse("log -login")
    assert parsed.marked_words == {"in"}
    # The index is asked for every "log": leaving out "login | log" would lose rows.
    assert syntax.tsquery(parsed, every=True) == "((log))"
    assert syntax.tsquery(parsed, every=True, marked=True) == (
        f"(((log))) & !(((login) | (log <-> {syntax.MARK}in)))"
    )
    assert syntax.parse("rollback").marked_words == frozenset()


def test_postgresql_trusts_its_index_for_the_forms_without_a_common_word() -> None:
    # "contract or" needs the text read again; "contractor" and the other splits do not.
    parsed = syntax.parse("pay contractor")
    assert parsed.marked_words == {"or"}
    sure = syntax.tsquery_sure(parsed, every=True)
    assert sure is not None and sure.startswith("(((pay))) & (((contractor) | (con <-> tractor)")
    assert "<-> or" not in sure and syntax.MARK not in sure
    assert syntax.tsquery_sure(parsed, every=False) == (
        "(((pay)) | ((contractor) | (con <-> tractor) | (cont <-> ractor)"
        " | (contr <-> actor) | (contra <-> ctor) | (contrac <-> tor)))"
    )
    # Nothing is sure when a term's only form holds a common word, or when one is left out.
    assert syntax.tsquery_sure(syntax.parse('"log in" memo'), every=True) is None
    assert syntax.tsquery_sure(syntax.parse('"log in" OR memo'), every=True) == "(((memo)))"
    assert syntax.tsquery_sure(syntax.parse("memo -login"), every=True) is None
    assert syntax.tsquery_sure(syntax.parse("login -memo"), every=True) == (
        "((((login)))) & !((memo))"
    )

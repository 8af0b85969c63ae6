"""Search over whole transcripts: every passage of a long interview is found, the snippet is
cut where the words are, and each hit says where it opens."""

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from app.enums import Role
from app.research.models import Interview
from app.search import service
from app.search.repository import MARK_END, MARK_START, SearchQuery
from tests.conftest import IS_POSTGRES
from tests.factories import Api, writing
from tests.search.transcript import interview_with_notes, transcript

ENDING = "Søren Kjær: honestly the zeppelin budget vanished overnight, nobody asked why."


def found(api: Api, q: str) -> service.SearchResults:
    with writing(api.client) as session:
        return service.search(
            session=session, ctx=api.context(session, Role.viewer), query=SearchQuery(q=q)
        )


def marked(snippet_html: str) -> list[str]:
    """The marked words (SQLite marks a phrase as one run, PostgreSQL word by word)."""
    return " ".join(re.findall("<mark>(.*?)</mark>", snippet_html)).split()


def test_a_word_at_the_end_of_a_million_characters_is_found_where_it_is(api: Api) -> None:
    notes = transcript(1_000_000, ending=ENDING)
    interview = interview_with_notes(api, notes, title="Finance lead, second call")

    results = found(api, "zeppelin budget")
    [hit] = results.items
    assert (hit.kind, hit.id, hit.exact_phrase) == ("interview", interview["id"], True)
    assert marked(hit.snippet_html) == ["zeppelin", "budget"]
    assert "the zeppelin budget vanished" in re.sub("</?mark>", "", hit.snippet_html)
    assert notes[:40] not in hit.snippet_html  # not the start of the notes
    assert hit.url == (
        f"/w/acme/interviews/{interview['id']}?q=zeppelin+budget"
        "#:~:text=honestly%20the-,zeppelin%20budget"
    )
    # The title and the notes together make one document.
    assert [h.id for h in found(api, "second call zeppelin").items] == [interview["id"]]


def test_a_long_transcript_can_be_rewritten_and_is_searched_as_it_now_reads(
    api: Api, session: Session
) -> None:
    interview = interview_with_notes(api, transcript(400_000, ending=ENDING))
    row = session.get(Interview, interview["id"])
    assert row is not None
    row.notes = transcript(1_000_000, seed=11, ending="Ngozi Okafor: the kumquat ledger again.")
    session.add(row)
    session.commit()

    assert found(api, "zeppelin").items == []
    [hit] = found(api, "kumquat ledger").items
    assert marked(hit.snippet_html) == ["kumquat", "ledger"]
    assert "the kumquat ledger again" in re.sub("</?mark>", "", hit.snippet_html)


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL cuts notes into passages")
@pytest.mark.parametrize(
    "notes",
    [
        "",
        "Short notes, one passage.",
        transcript(30_000),
        "長い沈黙のあと、経理の担当者が話し始めた。" * 900,  # no spaces to cut at
        "Zoë: " + "déjà-vu " * 3_000,  # one long line
        "\n" * 5_000,
    ],
    ids=["empty", "short", "turns", "no-spaces", "one-line", "blank-lines"],
)
def test_passages_hold_the_notes_exactly_in_whole_characters(session: Session, notes: str) -> None:
    passages = session.execute(
        text("SELECT ordinal, start_at, body FROM search_passages(:notes) ORDER BY ordinal"),
        {"notes": notes},
    ).all()
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    assert "".join(p.body for p in passages) == notes
    assert all(notes[p.start_at : p.start_at + len(p.body)] == p.body for p in passages)
    assert all(len(p.body.encode()) <= 2_000 for p in passages)


def test_each_hit_links_to_where_it_was_said(api: Api) -> None:
    problem = api.problem(title="Quarterly audit packs", statement="")
    interview = api.interview(
        notes="Mateo Núñez: the auditors want a fresh audit pack every quarter.",
        problem_ids=[problem["id"]],
        highlights=[
            {
                "problem_id": problem["id"],
                "quote": "Auditors want a fresh pack.",
                "signal": "stated",
            }
        ],
    )
    logged = api.evidence(problem["id"], quote="Every audit pack is built by hand.")
    highlight = next(h for h in found(api, "auditors fresh").items if h.kind == "evidence")

    urls = {(h.kind, h.id): h.url for h in found(api, "audit pack").items}
    assert urls[("problem", problem["id"])] == f"/w/acme/problems/{problem['id']}"
    assert urls[("evidence", logged["id"])] == (
        f"/w/acme/problems/{problem['id']}#evidence-{logged['id']}"
    )
    assert highlight.url == (
        f"/w/acme/interviews/{interview['id']}?q=auditors+fresh#h-{highlight.id}"
    )
    assert urls[("interview", interview["id"])] == (
        f"/w/acme/interviews/{interview['id']}?q=audit+pack#:~:text=want%20a%20fresh-,audit%20pack"
    )


def test_notes_cannot_inject_markup_into_the_snippet(api: Api) -> None:
    interview_with_notes(
        api,
        transcript(50_000)
        + '\nZoë Ångström: <script>alert("walrus")</script> the walrus'
        + " <img src=x onerror=alert(1)>",
    )
    [hit] = found(api, "walrus").items
    tags = hit.snippet_html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in tags and ">" not in tags
    assert "&lt;script&gt;alert(&quot;<mark>walrus</mark>&quot;)&lt;/script&gt;" in hit.snippet_html


def marked_snippets() -> st.SearchStrategy[str]:
    word = st.text(st.sampled_from("abcçdeéfgñoøsz'"), min_size=1, max_size=6)
    token = st.one_of(
        word,
        word.map(lambda w: f"{MARK_START}{w}{MARK_END}"),
        st.sampled_from(["Ana:", "…", "00:01:02", "(", ",", "\n"]),
    )
    return st.lists(token, min_size=1, max_size=20).map(" ".join)


@given(marked_snippets())
def test_the_text_fragment_names_text_of_the_snippet_before_the_marked_words(
    snippet: str,
) -> None:
    plain = snippet.replace(MARK_START, "").replace(MARK_END, "")
    fragment = service.text_fragment(snippet)
    if MARK_START not in snippet:
        assert fragment == ""
        return
    assert fragment.startswith(":~:text=")
    prefix, _, start = fragment.removeprefix(":~:text=").rpartition("-,")
    first = snippet[snippet.index(MARK_START) + 1 : snippet.index(MARK_END)]
    assert unquote(start).startswith(first)
    assert "," not in start and "-" not in start  # escaped: they are the directive's syntax
    target = f"{unquote(prefix)} {unquote(start)}" if prefix else unquote(start)
    assert target in plain

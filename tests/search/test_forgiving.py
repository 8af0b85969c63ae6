"""A forgiving search: every word first, then some of them; phrases, exclusions, OR, prefixes,
stemming and common words, and scores in the order shown. The suite runs on SQLite and, with
EVIDENT_TEST_DATABASE_URL, on PostgreSQL: the same cases hold on both."""

import re
from typing import Any

import pytest

from tests.factories import Api
from tests.pages import Web, soup

QUOTES = {
    "rolls": "The forecast rolls over every Monday and nobody trusts it.",
    "rolling": "We are rolling back the release after the outage.",
    "rollout": "The rollout of the new tool took three months.",
    "using": "We keep using the old spreadsheet for payroll.",
    "predictions": "Their predictions are wrong most weeks.",
    "sense": "None of it makes sense to the customer.",
    "month_end": "Month end close is the worst week of all.",
    "scattered": "The month was long; at its end we close the books.",
    "invoice": "Every invoice needs a manual check by finance.",
}


@pytest.fixture
def quotes(api: Api) -> dict[str, int]:
    problem = api.problem(title="Operations", statement="")
    return {name: api.evidence(problem["id"], quote=q)["id"] for name, q in QUOTES.items()}


def search(api: Api, q: str, **params: Any) -> dict[str, Any]:
    return api.ok(api.get("search", params={"q": q, **params}))  # type: ignore[no-any-return]


def names(quotes: dict[str, int], found: dict[str, Any], every: bool = False) -> set[str]:
    """The quotes found (`every`: those holding every word asked for)."""
    by_id = {v: k for k, v in quotes.items()}
    return {
        by_id[h["id"]]
        for h in found["items"]
        if h["kind"] == "evidence" and (h["all_words"] or not every)
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("rolling", {"rolls", "rolling"}),  # stemmed: "rolling" finds "rolls"
        ("roll*", {"rolls", "rolling", "rollout"}),  # a prefix asked for
        ('"month end close"', {"month_end"}),  # a phrase: scattered words do not count
        ("month close -books", {"month_end"}),  # a word left out
        ('month -"month end"', {"scattered", "rollout"}),  # a phrase left out; months
        ("invoice OR payroll", {"invoice", "using"}),
        ("spreadsheet OR payroll finance", set()),  # OR binds its neighbours only
        ("the us spreadsheet", {"using"}),  # common words are left out
        ("ROLLOUT", {"rollout"}),
    ],
)
def test_query_syntax_finds_the_same_rows(
    api: Api, quotes: dict[str, int], q: str, expected: set[str]
) -> None:
    found = search(api, q)
    assert names(quotes, found, every=True) == expected


# A word typed as one is found written as two, and only there.
SPLIT_QUOTES = {
    "rolling_back": "We kept rolling back the release.",
    "roll_was_back": "The bread roll was back on the menu.",
    "log_in": "I could not log in on Monday.",
    "log_call": "We log every call in the tracker.",
    "login": "The login page is slow.",
    "signed_up": "Most of them signed up within a week.",
    "sign": "A sign on the door said we were up and running.",
    "us_age": "They told us age does not matter.",
}


@pytest.fixture
def split_quotes(api: Api) -> dict[str, int]:
    problem = api.problem(title="Access", statement="")
    return {name: api.evidence(problem["id"], quote=q)["id"] for name, q in SPLIT_QUOTES.items()}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("rollback", {"rolling_back"}),  # "roll back" as a phrase, stemmed
        ("login", {"log_in", "login"}),  # "log in": a common word ends the split
        ("signup", {"signed_up"}),
        ("rollback release", {"rolling_back"}),  # every word, one of them split
        ("login -slow", {"log_in"}),  # left out by another word
        ("log -login", {"log_call"}),  # a split left out: "log" alone stays
        ("login OR rollback", {"log_in", "login", "rolling_back"}),
        ("usage", set()),  # "us age": a split's first part has three letters or more
        ('"log in"', {"log_in"}),  # a phrase with a common word, on both databases
        ("loginpage", {"login"}),  # "login page"
    ],
)
def test_a_word_is_found_written_as_two(
    api: Api, split_quotes: dict[str, int], q: str, expected: set[str]
) -> None:
    assert names(split_quotes, search(api, q), every=True) == expected


def test_a_split_counts_when_some_of_the_words_are_enough(
    api: Api, split_quotes: dict[str, int]
) -> None:
    found = search(api, "login tracker")
    assert found["matched"] == "any"
    assert names(split_quotes, found) == {"log_in", "login", "log_call"}


def test_a_split_is_marked_where_it_was_found(api: Api, split_quotes: dict[str, int]) -> None:
    (hit,) = search(api, "rollback")["items"]
    marked = re.findall(r"<mark>(.*?)</mark>", hit["snippet_html"])
    assert " ".join(marked) == "rolling back"


def test_us_never_matches_using(api: Api, quotes: dict[str, int]) -> None:
    response = api.get("search", params={"q": "us"})
    assert response.status_code == 422
    assert "common words" in response.text
    assert names(quotes, search(api, "us payroll")) == {"using"}


def test_when_no_result_has_every_word_some_of_them_are_shown(
    api: Api, quotes: dict[str, int]
) -> None:
    found = search(api, "customer told us predictions make no sense")
    assert found["matched"] == "any"
    assert names(quotes, found) == {"predictions", "sense"}
    # The one holding more of the words ranks first; none holds them all.
    assert [h["id"] for h in found["items"]] == [quotes["sense"], quotes["predictions"]]
    assert [h["all_words"] for h in found["items"]] == [False, False]
    # Exclusions still hold when some of the words are enough.
    found = search(api, "customer predictions -wrong")
    assert (found["matched"], names(quotes, found)) == ("any", {"sense"})


def test_every_word_comes_before_some_of_them(api: Api, quotes: dict[str, int]) -> None:
    found = search(api, "month close books")
    assert found["matched"] == "any"
    hits = found["items"]
    assert [h["all_words"] for h in hits] == [True, False, False]
    assert hits[0]["id"] == quotes["scattered"]
    # "months" is stemmed as "month".
    assert {h["id"] for h in hits[1:]} == {quotes["month_end"], quotes["rollout"]}


def test_scores_follow_the_order_shown(api: Api) -> None:
    problem = api.problem(title="Operations", statement="")
    # The scattered words, said many times, would outscore the phrase said once.
    api.evidence(problem["id"], quote="month close " * 30 + "end")
    api.evidence(problem["id"], quote="A long story that ends at month end close, once. " * 5)
    api.evidence(problem["id"], quote="The month end went fine.")
    api.evidence(problem["id"], quote="Close calls.")
    found = search(api, "month end close")
    scores = [h["score"] for h in found["items"]]
    assert len(scores) == 4
    assert [h["exact_phrase"] for h in found["items"]][:1] == [True]
    assert scores == sorted(scores, reverse=True)
    # Page by page too.
    first = search(api, "month end close", limit=2)
    second = search(api, "month end close", limit=2, offset=2)
    assert first["items"][-1]["score"] >= second["items"][0]["score"]


def test_filter_by_participant(api: Api) -> None:
    problem = api.problem(title="Operations", statement="")
    ana, ben = api.participant(name="Ana"), api.participant(name="Ben")
    mine = api.evidence(problem["id"], quote="Payroll is late", participant_id=ana["id"])
    api.evidence(problem["id"], quote="Payroll is late again", participant_id=ben["id"])
    theirs = api.interview(notes="Payroll chat", participant_id=ana["id"])
    found = search(api, "payroll", participant_id=ana["id"])
    assert {(h["kind"], h["id"]) for h in found["items"]} == {
        ("evidence", mine["id"]),
        ("interview", theirs["id"]),
    }


def test_the_page_says_when_it_shows_some_of_the_words(
    web: Web, api: Api, quotes: dict[str, int]
) -> None:
    page = web.get("search", params={"q": "customer predictions"})
    assert "No result has all the words; showing results with some of them." in page.text
    page = web.get("search", params={"q": "predictions"})
    assert "No result has all the words" not in page.text


def test_a_participant_name_on_a_hit_narrows_the_search_to_them(api: Api, web: Web) -> None:
    problem = api.problem(title="Operations", statement="")
    ana, ben = api.participant(name="Ana"), api.participant(name="Ben")
    api.evidence(problem["id"], quote="Payroll is late", participant_id=ana["id"])
    api.evidence(problem["id"], quote="Payroll is late again", participant_id=ben["id"])
    page = soup(web.get("search", params={"q": "payroll"}))
    link = page.find("a", string="Ana")
    assert link is not None
    narrowed = soup(web.get(link["href"]))
    assert [q.get_text() for q in narrowed.select("#search-results blockquote")] == [
        "Payroll is late"
    ]
    assert "Only Ana" in narrowed.get_text()
    assert narrowed.find("input", attrs={"name": "participant_id"})["value"] == str(ana["id"])

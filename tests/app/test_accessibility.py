"""Accessibility on the main pages: labelled fields, headings in order, and recommendations
carried by text and marker, never by colour alone."""

from itertools import pairwise

import pytest
from bs4 import BeautifulSoup

from app.enums import Recommendation
from tests.factories import Api
from tests.pages import HTML, Web, soup

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


def unlabelled_fields(page: BeautifulSoup) -> list[str]:
    missing = []
    for field in page.find_all(["input", "select", "textarea"]):
        if field.name == "input" and field.get("type", "text") in UNLABELLED_TYPES:
            continue
        if field.get("aria-label") or field.find_parent("label"):
            continue
        field_id = field.get("id")
        if field_id and page.find("label", attrs={"for": field_id}):
            continue
        missing.append(str(field)[:80])
    return missing


def skipped_headings(page: BeautifulSoup) -> list[str]:
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    problems = [] if levels[:1] == [1] else [f"first heading is h{levels[:1]}"]
    for before, after in pairwise(levels):
        if after > before + 1:
            problems.append(f"h{before} then h{after}")
    return problems


@pytest.fixture
def workspace(api: Api) -> dict[str, int]:
    """A workspace with a bit of everything, so every page has content to check."""
    segment = api.segment(name="Finance")
    problem = api.problem(title="Exports break", feasibility_estimate=70)
    person = api.participant(name="Bea", segment_id=segment["id"])
    api.interview(
        participant_id=person["id"],
        problem_ids=[problem["id"]],
        highlights=[{"problem_id": problem["id"], "quote": "We pay", "signal": "paid"}],
    )
    assumption = api.assumption(problem["id"], critical=True)
    test = api.test_card(assumption["id"])
    return {"problem": problem["id"], "assumption": assumption["id"], "test": test["id"]}


PAGES = [
    "",
    "problems/{problem}",
    "problems/{problem}/edit",
    "problems/new",
    "problems/{problem}/decide",
    "interviews",
    "interviews/new?problem_id={problem}",
    "tests",
    "tests/new?assumption_id={assumption}",
    "review",
    "settings",
]


def test_fields_are_labelled_and_headings_in_order(web: Web, workspace: dict[str, int]) -> None:
    # One workspace for every page: signing up is the slow part (password hashing).
    for path in PAGES:
        response = web.get(path.format(**workspace))
        assert response.status_code == 200, path
        page = soup(response)
        assert unlabelled_fields(page) == [], path
        assert skipped_headings(page) == [], path


def test_sign_in_and_first_run_pages(client) -> None:  # type: ignore[no-untyped-def]
    for path in ["/", "/signin"]:
        page = soup(client.get(path, headers=HTML))
        assert unlabelled_fields(page) == []
        assert skipped_headings(page) == []


def test_recommendation_is_never_only_a_colour(web: Web, workspace: dict[str, int]) -> None:
    page = soup(web.get(""))
    words = {r.value for r in Recommendation}
    badges = page.select("#problem-table .rec")
    assert badges
    for badge in badges:
        marker = badge.find(class_="rec-marker").get_text()
        assert marker.strip() and badge.get_text(" ", strip=True).split()[-1] in words
    for bubble in page.select("svg.chart a"):
        assert bubble.find("text").get_text().strip()  # a marker inside the bubble
        title = bubble.find("title").get_text()
        assert any(f": {word};" in title for word in words)
    legend = page.find("ul", class_="legend").get_text()
    assert all(word in legend for word in words)

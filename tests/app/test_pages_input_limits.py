"""The pages refuse what the database could not keep, as the API does: NaN in a form, a NUL
character in any field, an id beyond an INTEGER column in the URL. A 422 page, nothing stored."""

import json

import pytest

from app.validation import MAX_INT
from tests.factories import Api
from tests.pages import Web, soup


@pytest.mark.parametrize("word", ["nan", "inf", "-Infinity"])
def test_a_nan_threshold_typed_in_the_settings_is_refused(api: Api, web: Web, word: str) -> None:
    form = {
        "version": 1,
        "pain_threshold": word,
        "reach_threshold": "25",
        "feasibility_threshold": "50",
        "min_participants": "4",
    }
    response = web.post("settings/scoring", form)
    assert response.status_code == 422
    assert soup(response).find(id="pain_threshold-error") is not None
    assert api.ok(api.get("settings/scoring"))["version"] == 1


@pytest.mark.parametrize("word", ["nan", "Infinity"])
def test_a_nan_test_threshold_typed_in_a_form_is_refused(api: Api, web: Web, word: str) -> None:
    assumption = api.assumption(api.problem()["id"])
    form = {
        "assumption_id": assumption["id"],
        "method": "pre_sale",
        "metric": "signed LOIs",
        "operator": ">=",
        "threshold": word,
    }
    response = web.post("tests", form)
    assert response.status_code == 422
    assert soup(response).find(id="threshold-error") is not None
    assert api.ok(api.get("tests"))["total"] == 0
    # The export, which a stored NaN would break, still answers.
    export = api.get("export")
    assert export.status_code == 200
    json.loads(export.text)


def test_nul_in_a_form_field_is_refused(api: Api, web: Web) -> None:
    response = web.post("problems", {"title": "Month\x00end", "statement": "s"})
    assert response.status_code == 422
    assert "NUL" in response.text
    assert api.ok(api.get("problems"))["total"] == 0


def test_nul_in_a_page_query_is_refused(web: Web) -> None:
    response = web.get("search", params={"q": "month\x00end"})
    assert response.status_code == 422
    assert "NUL" in response.text


@pytest.mark.parametrize("value", [MAX_INT + 1, 2**63])
def test_huge_ids_in_page_urls_are_refused(web: Web, value: int) -> None:
    for path in [f"problems/{value}", f"problems/{value}/edit", f"problems/{value}/decide"]:
        assert web.get(path).status_code == 422, path
    for path in [f"problems/{value}/delete", f"interviews/{value}/delete", f"tests/{value}/start"]:
        assert web.post(path).status_code == 422, path


@pytest.mark.parametrize("value", [str(MAX_INT + 1), str(2**63), "\u00b2"])
def test_odd_numbers_in_page_queries_are_ignored(api: Api, web: Web, value: str) -> None:
    """Ids and offsets typed into a page's query are hints: one that cannot be a row shows
    the page without it, never an error."""
    problem = api.problem()
    for path, params in [
        (f"problems/{problem['id']}", {"decisions_offset": value}),
        ("search", {"q": "month", "problem_id": value, "segment_id": value}),
        ("interviews", {"deleted": value, "logged": value, "offset": value}),
        ("settings", {"segment_deleted": value}),
        ("", {"deleted": value}),
        ("interviews/new", {"problem_id": value}),
        ("interviews/highlight-row", {"index": value}),
    ]:
        assert web.get(path, params=params).status_code == 200, path

"""One mapping from validation errors to sentences that name the field as the form labels it."""

from typing import Any

from tests.factories import Api
from tests.pages import Web, soup


def test_a_bad_choice_and_a_long_text_read_as_sentences(api: Api, web: Web) -> None:
    problem = api.problem()
    response = web.post(
        f"problems/{problem['id']}/decide", {"kind": "maybe", "rationale": "x" * 20_001}
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="kind-error").get_text() == (
        "Choose a decision from the list (pursue, pivot, halt, park)."
    )
    assert page.find(id="rationale-error").get_text() == (
        "Shorten the rationale: at most 20000 characters (it has 20,001)."
    )


def test_a_highlight_without_a_problem_names_its_number(api: Api, web: Web) -> None:
    problem = api.problem()
    person = api.participant()
    response = web.post(
        "interviews",
        {
            "participant_id": str(person["id"]),
            "kind": "interview",
            "occurred_on": "2026-10-01",
            "h_quote": ["First quote", "Second quote"],
            "h_problem": [str(problem["id"]), ""],
            "h_signal": ["paid", "paid"],
            "h_severity": ["", ""],
            "h_frequency": ["", ""],
        },
    )
    assert response.status_code == 422
    assert "Choose a problem for highlight 2." in soup(response).get_text()


def test_a_word_for_a_number_asks_for_a_number(web: Web) -> None:
    response = web.post("problems", {"title": "T", "feasibility_estimate": "lots"})
    assert response.status_code == 422
    assert soup(response).find(id="feasibility_estimate-error").get_text() == (
        "Enter the team's feasibility estimate as a number."
    )


def test_an_oversized_form_goes_back_to_its_page_saying_why(
    api: Api, web: Web, settings: Any
) -> None:
    problem = api.problem()
    page = f"/w/acme/problems/{problem['id']}/decide"
    response = web.post(
        f"problems/{problem['id']}/decide",
        {"kind": "park", "rationale": "x" * (settings.max_body_bytes + 1)},
        headers={"Referer": f"http://testserver{page}"},
    )
    assert (response.status_code, response.headers["location"]) == (303, page + "?too_large=1")
    again = soup(web.get(response.headers["location"]))
    assert "larger than this app accepts" in again.find(id="too-large").get_text()
    assert again.find("form", attrs={"method": "post"}) is not None  # the form, to fill again
    assert api.ok(api.get("decisions"))["total"] == 0
    # another site's page is never a destination: the usual 413
    elsewhere = web.post(
        f"problems/{problem['id']}/decide",
        {"kind": "park", "rationale": "x" * (settings.max_body_bytes + 1)},
        headers={"Referer": "http://evil.example/phish"},
    )
    assert elsewhere.status_code == 413

"""One mapping from validation errors to sentences that name the field as the form labels it."""

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

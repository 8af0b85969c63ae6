"""One error path: a form that fails raises, the request's unit of work rolls back everything
the form had written, and the one handler answers with the form again."""

import re
from pathlib import Path

from tests.factories import Api
from tests.pages import Web, soup

APP = Path(__file__).resolve().parents[2] / "app"


def test_a_refused_interview_leaves_no_participant_behind(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    form = {
        "kind": "interview",
        "occurred_on": "2999-01-01",  # in the future: refused
        "problem_ids": [str(problem["id"])],
        "notes": "Call with the finance lead",
        "np_name": "Dana New",
        "h_quote": ["We rebuild it by hand"],
        "h_problem": [str(problem["id"])],
        "h_signal": ["workaround"],
        "h_severity": ["3"],
        "h_frequency": ["weekly"],
    }
    response = web.post("interviews", form)
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="occurred_on-error") is not None
    assert page.find(id="np_name")["value"] == "Dana New"  # what was typed is kept
    names = [p["name"] for p in api.ok(api.get("participants"))["items"]]
    assert "Dana New" not in names
    assert api.ok(api.get("interviews"))["total"] == 0


def test_a_refused_form_answers_json_to_a_client_that_asks_for_it(api: Api, web: Web) -> None:
    response = web.post("problems", {"title": ""}, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_no_code_rolls_back_by_hand() -> None:
    """Only the units of work (the request's session, the CLI's) roll back."""
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if str(path.relative_to(APP)) not in ("db.py", "cli.py")
        and re.search(r"\.rollback\(", path.read_text())
    ]
    assert offenders == []

"""Test cards: the criterion is fixed before the result, the outcome is computed from it."""

from datetime import datetime
from typing import Any

import pytest

from app.enums import CriterionOperator, TestOutcome
from app.experiments.service import outcome_for
from tests.factories import Api
from tests.helpers import assert_error

V = TestOutcome.validated
I = TestOutcome.invalidated  # noqa: E741


def _start(api: Api, test: dict[str, Any]) -> dict[str, Any]:
    return api.ok(
        api.patch(f"tests/{test['id']}", json={"version": test["version"], "status": "running"})
    )


def _conclude(api: Api, test: dict[str, Any], **body: Any) -> Any:
    payload = {"version": test["version"], "status": "concluded", "learning": "We learned."} | body
    return api.patch(f"tests/{test['id']}", json=payload)


def test_a_test_card_states_method_metric_criterion_and_when_it_was_fixed(api: Api) -> None:
    problem = api.problem()
    assumption = api.assumption(problem["id"], statement="IT will approve SSO", critical=True)
    before = datetime.now().astimezone()
    card = api.test_card(
        assumption["id"],
        method="pilot",
        metric="accounts that turn on SSO",
        operator=">",
        threshold=3,
    )
    assert card["assumption_id"] == assumption["id"]
    assert card["problem_id"] == problem["id"]
    assert (card["method"], card["metric"], card["operator"], card["threshold"]) == (
        "pilot",
        "accounts that turn on SSO",
        ">",
        3,
    )
    assert card["status"] == "planned"
    assert datetime.fromisoformat(card["criterion_fixed_at"]) >= before
    assert card["outcome"] is None and card["started_at"] is None


def test_an_unknown_method_or_operator_is_refused(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"])
    body = {"assumption_id": assumption["id"], "metric": "m", "operator": ">=", "threshold": 1}
    assert_error(api.post("tests", json=body | {"method": "gut_feeling"}), 422, "invalid_input")
    assert_error(
        api.post("tests", json=body | {"method": "pilot", "operator": "=="}), 422, "invalid_input"
    )
    error = assert_error(
        api.post("tests", json=body | {"method": "pilot", "threshold": None}), 422, "invalid_input"
    )
    assert "threshold" in error["message"]


def test_editing_a_planned_criterion_moves_the_date_it_was_fixed(api: Api) -> None:
    card = api.test_card(api.assumption(api.problem()["id"])["id"])
    edited = api.ok(
        api.patch(f"tests/{card['id']}", json={"version": card["version"], "threshold": 0.8})
    )
    assert edited["threshold"] == 0.8
    assert edited["criterion_fixed_at"] > card["criterion_fixed_at"]


@pytest.mark.parametrize(
    "change",
    [{"threshold": 0.5}, {"operator": ">"}, {"metric": "something easier"}, {"method": "survey"}],
)
def test_a_running_tests_criterion_cannot_change(api: Api, change: dict[str, Any]) -> None:
    card = _start(api, api.test_card(api.assumption(api.problem()["id"])["id"]))
    error = assert_error(
        api.patch(f"tests/{card['id']}", json={"version": card["version"]} | change),
        409,
        "criterion_fixed",
    )
    assert "running" in error["message"] and "inconclusive" in error["message"]
    assert error["details"]["fields"] == list(change)
    unchanged = api.ok(api.get(f"tests/{card['id']}"))
    assert unchanged["threshold"] == 0.9 and unchanged["version"] == card["version"]


def test_a_running_test_cannot_go_back_to_planned_nor_be_deleted(api: Api) -> None:
    card = _start(api, api.test_card(api.assumption(api.problem()["id"])["id"]))
    assert_error(
        api.patch(f"tests/{card['id']}", json={"version": card["version"], "status": "planned"}),
        409,
        "criterion_fixed",
    )
    assert_error(api.delete(f"tests/{card['id']}"), 409, "criterion_fixed")
    assert api.ok(api.get(f"tests/{card['id']}"))["deleted_at"] is None


def test_the_criterion_cannot_change_in_the_step_that_concludes(api: Api) -> None:
    card = api.test_card(api.assumption(api.problem()["id"])["id"])
    response = _conclude(api, card, observed_value=0.5, threshold=0.4)
    assert_error(response, 409, "criterion_fixed")


def test_a_planned_test_can_be_deleted_and_restored(api: Api) -> None:
    card = api.test_card(api.assumption(api.problem()["id"])["id"])
    assert api.ok(api.delete(f"tests/{card['id']}"))["deleted_at"] is not None
    assert api.ok(api.post(f"tests/{card['id']}/restore"))["deleted_at"] is None


def test_changing_the_criterion_means_concluding_inconclusive_and_planning_anew(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"])
    first = _start(api, api.test_card(assumption["id"], threshold=0.9))
    concluded = api.ok(
        _conclude(
            api,
            first,
            learning="0.9 was unrealistic for a two-week spike.",
            inconclusive_reason="We stopped the spike to reset the criterion.",
        )
    )
    assert concluded["outcome"] == "inconclusive"
    assert concluded["observed_value"] is None
    assert concluded["inconclusive_reason"] == "We stopped the spike to reset the criterion."
    second = api.test_card(assumption["id"], threshold=0.7)
    listed = api.ok(api.get("tests", params={"assumption_id": assumption["id"]}))
    assert [t["id"] for t in listed["items"]] == [first["id"], second["id"]]
    assert [t["status"] for t in listed["items"]] == ["concluded", "planned"]


def test_concluding_needs_a_learning(api: Api) -> None:
    card = _start(api, api.test_card(api.assumption(api.problem()["id"])["id"]))
    error = assert_error(
        _conclude(api, card, observed_value=0.95, learning="  "), 422, "invalid_input"
    )
    assert "learning" in error["message"]


def test_the_outcome_is_computed_never_typed_in(api: Api) -> None:
    card = _start(api, api.test_card(api.assumption(api.problem()["id"])["id"]))
    concluded = api.ok(_conclude(api, card, observed_value=0.95, outcome="invalidated"))
    assert concluded["outcome"] == "validated"
    assert concluded["learning"] == "We learned."
    assert concluded["concluded_at"] is not None


def test_a_concluded_test_cannot_be_edited_or_deleted(api: Api) -> None:
    card = api.ok(
        _conclude(
            api,
            _start(api, api.test_card(api.assumption(api.problem()["id"])["id"])),
            observed_value=1,
        )
    )
    for change in ({"learning": "rewritten"}, {"observed_value": 0.1}, {"status": "running"}):
        error = assert_error(
            api.patch(f"tests/{card['id']}", json={"version": card["version"]} | change),
            409,
            "test_concluded",
        )
        assert "concluded" in error["message"]
    assert_error(api.delete(f"tests/{card['id']}"), 409, "test_concluded")
    assert api.ok(api.get(f"tests/{card['id']}")) == card


def test_an_observed_value_only_comes_with_concluding(api: Api) -> None:
    card = _start(api, api.test_card(api.assumption(api.problem()["id"])["id"]))
    response = api.patch(
        f"tests/{card['id']}", json={"version": card["version"], "observed_value": 1}
    )
    assert_error(response, 422, "invalid_input")


# Every operator, with values below, at and above its threshold (0.5 for the comparisons).
OUTCOMES = [
    (">=", 0.49, I), (">=", 0.5, V), (">=", 0.51, V),
    (">", 0.49, I), (">", 0.5, I), (">", 0.51, V),
    ("<=", 0.49, V), ("<=", 0.5, V), ("<=", 0.51, I),
    ("<", 0.49, V), ("<", 0.5, I), ("<", 0.51, I),
    ("yes", 1, V), ("yes", 0, I),
    ("no", 0, V), ("no", 1, I),
]  # fmt: skip


@pytest.mark.parametrize(("operator", "observed", "outcome"), OUTCOMES)
def test_outcome_for_each_operator(operator: str, observed: float, outcome: TestOutcome) -> None:
    assert outcome_for(CriterionOperator(operator), 0.5, observed) is outcome
    assert outcome_for(CriterionOperator(operator), 0.5, None) is TestOutcome.inconclusive


@pytest.mark.parametrize(("operator", "observed", "outcome"), OUTCOMES)
def test_concluding_through_the_api_computes_each_outcome(
    api: Api, operator: str, observed: float, outcome: TestOutcome
) -> None:
    threshold = 0.5 if operator not in ("yes", "no") else None
    card = api.test_card(
        api.assumption(api.problem()["id"])["id"], operator=operator, threshold=threshold
    )
    concluded = api.ok(_conclude(api, _start(api, card), observed_value=observed))
    assert concluded["outcome"] == outcome.value
    assert concluded["observed_value"] == observed


def test_a_yes_no_criterion_takes_true_false_and_refuses_other_numbers(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"])
    card = api.test_card(assumption["id"], operator="yes", threshold=0.9)
    assert card["threshold"] is None  # a yes/no criterion compares with nothing
    assert_error(_conclude(api, card, observed_value=0.7), 422, "invalid_input")
    assert api.ok(_conclude(api, card, observed_value=True))["outcome"] == "validated"


def test_concluding_a_feasibility_test_updates_the_scorecard_in_the_same_request(api: Api) -> None:
    problem = api.problem(feasibility_estimate=40)
    assumption = api.assumption(problem["id"], category="feasibility")
    card = _start(api, api.test_card(assumption["id"], method="technical_spike"))
    assert api.ok(api.get(f"problems/{problem['id']}/scorecard"))["feasibility"]["value"] == 40
    api.ok(_conclude(api, card, observed_value=0.95))
    feasibility = api.ok(api.get(f"problems/{problem['id']}/scorecard"))["feasibility"]
    # validated by a spike (strength 0.75): 40 + 60 x 0.5 x 0.75
    assert feasibility["value"] == 62.5
    assert feasibility["contributions"][-1]["test_id"] == card["id"]


def test_an_invalidated_feasibility_test_lowers_feasibility(api: Api) -> None:
    problem = api.problem(feasibility_estimate=50)
    assumption = api.assumption(problem["id"], category="viability")
    card = api.test_card(assumption["id"], method="pilot", operator=">=", threshold=10)
    api.ok(_conclude(api, card, observed_value=3))
    # invalidated by a pilot (strength 1.0): 50 x (1 - 0.6)
    assert api.ok(api.get(f"problems/{problem['id']}/scorecard"))["feasibility"]["value"] == 20


def test_a_tested_assumption_keeps_its_statement_category_and_criticality(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"], critical=True)
    _start(api, api.test_card(assumption["id"]))
    for change in (
        {"critical": False},
        {"category": "desirability"},
        {"statement": "IT approves SSO within a month"},
    ):
        response = api.patch(
            f"assumptions/{assumption['id']}", json={"version": assumption["version"]} | change
        )
        assert_error(response, 409, "assumption_fixed")
    assert_error(api.delete(f"assumptions/{assumption['id']}"), 409, "assumption_fixed")
    assert api.ok(api.get(f"assumptions/{assumption['id']}")) == assumption


def test_an_untested_assumption_can_change_and_be_deleted(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"], critical=True)
    api.test_card(assumption["id"])  # planned only
    edited = api.ok(
        api.patch(f"assumptions/{assumption['id']}", json={"version": 1, "critical": False})
    )
    assert edited["critical"] is False
    assert api.ok(api.delete(f"assumptions/{assumption['id']}"))["deleted_at"] is not None


def test_viewers_cannot_change_tests(api: Api) -> None:
    card = api.test_card(api.assumption(api.problem()["id"])["id"])
    viewer = api.as_member("vic@example.com", "viewer")
    assert_error(viewer.patch(f"tests/{card['id']}", json={"version": 1, "status": "running"}), 403)
    assert_error(viewer.delete(f"tests/{card['id']}"), 403)

"""The state of each critical assumption: untested, running, validated, invalidated."""

from typing import Any

from tests.factories import Api
from tests.helpers import assert_error


def _patch(api: Api, test: dict[str, Any], **body: Any) -> dict[str, Any]:
    return api.ok(api.patch(f"tests/{test['id']}", json={"version": test["version"]} | body))


def test_each_critical_assumption_is_listed_with_its_state(api: Api) -> None:
    problem = api.problem()
    pid = problem["id"]
    untested = api.assumption(pid, statement="Admins will pay", critical=True)
    running = api.assumption(pid, statement="IT will approve SSO", critical=True)
    validated = api.assumption(pid, statement="Exports can be fixed", critical=True)
    invalidated = api.assumption(pid, statement="Partners will resell", critical=True)
    api.assumption(pid, statement="Not critical", critical=False)
    planned = api.test_card(untested["id"])

    _patch(api, api.test_card(running["id"]), status="running")
    good = _patch(api, api.test_card(validated["id"]), status="running")
    _patch(api, good, status="concluded", observed_value=0.95, learning="Works.")
    bad = api.test_card(invalidated["id"], operator="yes", threshold=None)
    _patch(api, bad, status="concluded", observed_value=0, learning="No partner wanted it.")

    listed = api.ok(api.get(f"problems/{pid}/assumptions/critical"))
    assert [(a["statement"], a["state"]) for a in listed] == [
        ("Admins will pay", "untested"),
        ("IT will approve SSO", "running"),
        ("Exports can be fixed", "validated"),
        ("Partners will resell", "invalidated"),
    ]
    assert listed[0]["test_ids"] == [planned["id"]]
    assert listed[0]["assumption_id"] == untested["id"]
    assert listed[0]["category"] == "feasibility"
    # The scorecard reads the same states.
    card = api.ok(api.get(f"problems/{pid}/scorecard"))
    assert [a["state"] for a in card["critical_assumptions"]] == [a["state"] for a in listed]


def test_an_inconclusive_retest_keeps_the_decisive_state(api: Api) -> None:
    pid = api.problem()["id"]
    assumption = api.assumption(pid, critical=True)
    first = api.test_card(assumption["id"])
    _patch(api, first, status="concluded", observed_value=0.2, learning="Too slow.")
    second = api.test_card(assumption["id"])
    _patch(
        api,
        second,
        status="concluded",
        learning="Could not run it.",
        inconclusive_reason="The partner pulled out before the pilot began.",
    )
    [state] = api.ok(api.get(f"problems/{pid}/assumptions/critical"))
    assert state["state"] == "invalidated"
    assert state["test_ids"] == [first["id"], second["id"]]


def test_critical_assumptions_of_an_unknown_problem_are_not_found(api: Api) -> None:
    assert_error(api.get("problems/999/assumptions/critical"), 404, "not_found")
    assert api.ok(api.get(f"problems/{api.problem()['id']}/assumptions/critical")) == []

"""The decision log: deciders only, rationale required, append-only, scorecard frozen."""

from typing import Any

import pytest

from tests.factories import Api
from tests.helpers import assert_error


def decide(api: Api, problem_id: int, kind: str = "pursue", **body: Any) -> dict[str, Any]:
    payload = {"problem_id": problem_id, "kind": kind, "rationale": "The evidence is clear."}
    return api.ok(api.post("decisions", json=payload | body), 201)


def halt_recommended(api: Api) -> dict[str, Any]:
    """A problem whose critical assumption was invalidated: the scorecard says halt."""
    problem = api.problem()
    assumption = api.assumption(problem["id"], critical=True, statement="Partners will resell")
    test = api.test_card(assumption["id"], operator="yes", threshold=None)
    api.ok(
        api.patch(
            f"tests/{test['id']}",
            json={"version": 1, "status": "concluded", "observed_value": 0, "learning": "None."},
        )
    )
    return problem


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_viewers_and_contributors_cannot_record_decisions(api: Api, role: str) -> None:
    problem = api.problem()
    member = api.as_member(f"{role}@example.com", role)
    body = {"problem_id": problem["id"], "kind": "pursue", "rationale": "Because."}
    error = assert_error(member.post("decisions", json=body), 403, "forbidden")
    assert "decider" in error["message"]
    decision = decide(api, problem["id"])
    response = member.patch(
        f"decisions/{decision['id']}", json={"version": 1, "review_on": "2027-01-01"}
    )
    assert_error(response, 403, "forbidden")
    assert api.ok(api.get("decisions"))["total"] == 1


@pytest.mark.parametrize("role", ["decider", "admin"])
def test_deciders_and_admins_record_decisions(api: Api, role: str) -> None:
    problem = api.problem()
    member = api.as_member(f"{role}@example.com", role)
    decision = decide(
        member,
        problem["id"],
        "pivot",
        dissent="Sales disagrees.",
        customer_advocate_notes="Customers asked for exports, not dashboards.",
        review_on="2027-02-01",
    )
    assert decision["decided_by"] == member.user_id
    assert decision["kind"] == "pivot"
    assert decision["dissent"] == "Sales disagrees."
    assert decision["customer_advocate_notes"].startswith("Customers asked")
    assert decision["review_on"] == "2027-02-01"
    assert api.ok(api.get(f"problems/{problem['id']}"))["status"] == "decided"


@pytest.mark.parametrize("rationale", [None, "", "   \n "])
def test_a_decision_needs_a_rationale(api: Api, rationale: str | None) -> None:
    body: dict[str, Any] = {"problem_id": api.problem()["id"], "kind": "halt"}
    if rationale is not None:
        body["rationale"] = rationale
    error = assert_error(api.post("decisions", json=body), 422, "invalid_input")
    assert "rationale" in error["message"]


def test_decisions_cannot_be_deleted(api: Api) -> None:
    decision = decide(api, api.problem()["id"])
    assert api.delete(f"decisions/{decision['id']}").status_code == 405
    assert api.ok(api.get(f"decisions/{decision['id']}"))["deleted_at"] is None


@pytest.mark.parametrize(
    "change", [{"kind": "halt"}, {"rationale": "Rewritten."}, {"dissent": ""}, {"scorecard": {}}]
)
def test_a_decision_cannot_be_edited(api: Api, change: dict[str, Any]) -> None:
    decision = decide(api, api.problem()["id"], dissent="Not sure.")
    error = assert_error(
        api.patch(f"decisions/{decision['id']}", json={"version": 1} | change),
        409,
        "decision_append_only",
    )
    assert "append-only" in error["message"] and "new decision" in error["message"]
    assert api.ok(api.get(f"decisions/{decision['id']}")) == decision


def test_only_the_review_date_moves(api: Api) -> None:
    decision = decide(api, api.problem()["id"], review_on="2027-01-01")
    moved = api.ok(
        api.patch(f"decisions/{decision['id']}", json={"version": 1, "review_on": "2027-03-01"})
    )
    assert moved["review_on"] == "2027-03-01" and moved["version"] == 2
    assert moved["rationale"] == decision["rationale"]
    assert moved["scorecard"] == decision["scorecard"]


def test_a_new_decision_supersedes_the_last_one(api: Api) -> None:
    problem = api.problem()
    first = decide(api, problem["id"], "pursue")
    second = decide(api, problem["id"], "park", rationale="We mis-read the pilot.")
    other = decide(api, api.problem()["id"], "halt")
    by_id = {d["id"]: d for d in api.ok(api.get("decisions"))["items"]}
    assert by_id[first["id"]]["superseded_by_id"] == second["id"]
    assert by_id[second["id"]]["superseded_by_id"] is None
    assert by_id[other["id"]]["superseded_by_id"] is None
    history = api.ok(api.get("decisions", params={"problem_id": problem["id"]}))["items"]
    assert [d["kind"] for d in history] == ["park", "pursue"]


def test_a_halted_problem_keeps_its_evidence_and_reopening_is_a_new_decision(api: Api) -> None:
    problem = halt_recommended(api)
    item = api.evidence(problem["id"])
    halt = decide(api, problem["id"], "halt")
    assert halt["against_evidence"] is False
    assert api.ok(api.get(f"problems/{problem['id']}"))["status"] == "decided"
    evidence = api.ok(api.get("evidence", params={"problem_id": problem["id"]}))
    assert [e["id"] for e in evidence["items"]] == [item["id"]]
    # The team keeps learning after a halt.
    api.evidence(problem["id"], quote="We switched vendors over this.", signal="switched")
    reopened = decide(api, problem["id"], "pursue", rationale="Two customers switched over it.")
    assert api.ok(api.get(f"problems/{problem['id']}"))["status"] == "decided"
    kinds = [
        d["kind"]
        for d in api.ok(api.get("decisions", params={"problem_id": problem["id"]}))["items"]
    ]
    assert kinds == ["pursue", "halt"]
    assert api.ok(api.get(f"decisions/{halt['id']}"))["superseded_by_id"] == reopened["id"]
    assert reopened["against_evidence"] is True  # the scorecard still says halt


def test_halting_an_archived_problem_keeps_it_archived_and_pursuing_reopens_it(api: Api) -> None:
    problem = api.problem(status="archived")
    decide(api, problem["id"], "halt")
    assert api.ok(api.get(f"problems/{problem['id']}"))["status"] == "archived"
    decide(api, problem["id"], "pursue")
    assert api.ok(api.get(f"problems/{problem['id']}"))["status"] == "decided"


def test_against_evidence_when_the_decision_differs_from_the_recommendation(api: Api) -> None:
    problem = api.problem()
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["recommendation"]["value"] == "investigate"
    parked = decide(api, problem["id"], "park")
    assert (parked["recommendation"], parked["against_evidence"]) == ("investigate", False)
    assert "against_evidence" not in {
        f["code"] for f in api.ok(api.get(f"problems/{problem['id']}/scorecard"))["flags"]
    }

    pursued = decide(api, problem["id"], "pursue")
    assert (pursued["recommendation"], pursued["against_evidence"]) == ("investigate", True)
    flags = api.ok(api.get(f"problems/{problem['id']}/scorecard"))["flags"]
    [flag] = [f for f in flags if f["code"] == "against_evidence"]
    assert flag["decision_ids"] == [pursued["id"]]
    assert "against the recommendation to investigate" in flag["message"]


def test_a_decision_that_follows_the_recommendation_is_not_against_it(api: Api) -> None:
    problem = halt_recommended(api)
    decision = decide(api, problem["id"], "halt")
    assert (decision["recommendation"], decision["against_evidence"]) == ("halt", False)


def test_a_decision_freezes_the_scorecard(api: Api) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    before = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    decision = decide(api, problem["id"], "park")
    frozen = decision["scorecard"]
    assert set(frozen) == set(before)  # the scorecard only, nothing kept beside it
    for key in ("pain", "reach", "feasibility", "confidence", "recommendation", "counts"):
        assert frozen[key] == before[key]
    assert frozen["recommendation"]["value"] == decision["recommendation"]

    for n in range(3):
        person = api.participant()
        api.evidence(problem["id"], participant_id=person["id"], quote=f"We pay {n}.")
    api.evidence(problem["id"], signal="not_experienced", quote="Never had it.")
    now = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert now["counts"]["evidence_items"] == 5
    assert now["pain"]["value"] != frozen["pain"]["value"]

    again = api.ok(api.get(f"decisions/{decision['id']}"))
    assert again["scorecard"] == frozen
    assert again["scorecard"]["counts"]["evidence_items"] == 1


def test_decisions_of_another_workspace_stay_hidden(api: Api, client: Any) -> None:
    decision = decide(api, api.problem()["id"])
    stranger = Api.signed_up(client, email="eve@example.com", workspace="globex")
    assert_error(stranger.get(f"decisions/{decision['id']}"), 404)
    body = {"problem_id": decision["problem_id"], "kind": "halt", "rationale": "Mine now."}
    assert_error(stranger.post("decisions", json=body), 422, "invalid_input")

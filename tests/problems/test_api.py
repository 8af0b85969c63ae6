"""Kill criteria: every change kept with who and when; loosening after evidence is flagged."""

from datetime import datetime
from typing import Any

import pytest

from tests.factories import Api


def _set(api: Api, problem: dict[str, Any], **body: Any) -> dict[str, Any]:
    current = api.ok(api.get(f"problems/{problem['id']}"))
    return api.ok(
        api.patch(f"problems/{problem['id']}", json={"version": current["version"]} | body)
    )


def _criteria(**values: Any) -> dict[str, Any]:
    unset = {"pain": None, "reach": None, "feasibility": None, "min_participants": None}
    return unset | {"review_by": None} | values


def _flags(api: Api, problem: dict[str, Any]) -> dict[str, str]:
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    return {flag["code"]: flag["message"] for flag in card["flags"]}


def test_every_change_is_kept_with_who_and_when(api: Api) -> None:
    start = datetime.now().astimezone()
    problem = api.problem(kill_criteria={"pain": 70}, review_by="2027-03-01")
    colleague = api.as_member("cora@example.com", "contributor")
    _set(colleague, problem, kill_criteria={"pain": 70, "reach": 30})
    _set(api, problem, review_by="2027-04-01")
    _set(api, problem, title="Renamed")  # not a kill-criteria change

    history = api.ok(api.get(f"problems/{problem['id']}/kill-criteria"))
    unset = _criteria()
    first = _criteria(pain=70, review_by="2027-03-01")
    second = _criteria(pain=70, reach=30, review_by="2027-03-01")
    third = _criteria(pain=70, reach=30, review_by="2027-04-01")
    assert [(h["changed_by"], h["before"], h["after"]) for h in history] == [
        (api.user_id, unset, first),
        (colleague.user_id, first, second),
        (api.user_id, second, third),
    ]
    moments = [datetime.fromisoformat(h["changed_at"]) for h in history]
    assert moments == sorted(moments) and moments[0] >= start
    read = api.ok(api.get(f"problems/{problem['id']}"))
    assert read["kill_criteria"]["reach"] == 30 and read["review_by"] == "2027-04-01"


def test_a_problem_without_kill_criteria_has_no_history(api: Api) -> None:
    problem = api.problem()
    assert api.ok(api.get(f"problems/{problem['id']}/kill-criteria")) == []
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["thresholds"]["source"] == "workspace"


def test_moving_only_the_review_date_keeps_the_workspace_thresholds_in_force(api: Api) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    _set(api, problem, review_by="2027-01-15")
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["thresholds"]["source"] == "workspace"
    assert "goalposts_moved" not in _flags(api, problem)
    assert len(api.ok(api.get(f"problems/{problem['id']}/kill-criteria"))) == 1


@pytest.mark.parametrize(
    ("loosened", "words"),
    [
        ({"pain": 40}, "pain threshold lowered from 60 to 40"),
        ({"reach": 10}, "reach threshold lowered from 20 to 10"),
        ({"feasibility": 35.5}, "feasibility threshold lowered from 50 to 35.5"),
        ({"min_participants": 3}, "minimum participants lowered from 5 to 3"),
    ],
)
def test_loosening_after_evidence_existed_moves_the_goalposts(
    api: Api, loosened: dict[str, Any], words: str
) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    assert "goalposts_moved" not in _flags(api, problem)
    _set(api, problem, kill_criteria=loosened)
    message = _flags(api, problem)["goalposts_moved"]
    assert words in message
    assert "after 1 evidence item existed" in message


def test_loosening_an_earlier_kill_criterion_after_evidence_is_flagged(api: Api) -> None:
    problem = api.problem(kill_criteria={"pain": 80})
    api.evidence(problem["id"])
    _set(api, problem, kill_criteria={"pain": 70})
    assert "pain threshold lowered from 80 to 70" in _flags(api, problem)["goalposts_moved"]


def test_tightening_after_evidence_is_not_flagged(api: Api) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    _set(
        api,
        problem,
        kill_criteria={"pain": 75, "reach": 25, "feasibility": 60, "min_participants": 8},
    )
    assert "goalposts_moved" not in _flags(api, problem)
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert (card["thresholds"]["pain"], card["thresholds"]["source"]) == (75, "kill criteria")


def test_loosening_before_any_evidence_is_not_flagged(api: Api) -> None:
    problem = api.problem()
    _set(api, problem, kill_criteria={"pain": 40, "min_participants": 3})
    api.evidence(problem["id"])
    api.evidence(problem["id"], signal="stated", severity=3, quote="It is annoying.")
    assert "goalposts_moved" not in _flags(api, problem)


def test_the_flag_names_only_the_loosening_among_several_changes(api: Api) -> None:
    problem = api.problem()
    api.evidence(problem["id"])
    _set(api, problem, kill_criteria={"pain": 70, "reach": 15})
    message = _flags(api, problem)["goalposts_moved"]
    assert "reach threshold lowered from 20 to 15" in message
    assert "pain" not in message

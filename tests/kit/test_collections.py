"""The routes every workspace collection shares: create, read, list with filters and pages,
versioned update, soft delete and restore."""

from typing import Any

import pytest

from tests.factories import Api
from tests.helpers import CHANGES, MAKERS, assert_error, fields_of, make_decision

Row = dict[str, Any]

COLLECTIONS = list(MAKERS)
DELETABLE = [name for name in COLLECTIONS if name != "decisions"]


def listing(api: Api, path: str, **params: Any) -> Row:
    return api.ok(api.get(path, params=params))


def ids(page: Row) -> list[int]:
    return [item["id"] for item in page["items"]]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_create_then_get_and_list(api: Api, path: str) -> None:
    row = MAKERS[path](api)
    assert row["version"] == 1
    assert row["created_by"] == api.user_id
    assert row["deleted_at"] is None
    assert row["created_at"] == row["updated_at"] or row["created_at"] <= row["updated_at"]

    assert api.ok(api.get(f"{path}/{row['id']}")) == row
    page = listing(api, path)
    assert row["id"] in ids(page)
    assert page["total"] == len(page["items"])
    assert (page["limit"], page["offset"]) == (50, 0)


@pytest.mark.parametrize("path", COLLECTIONS)
def test_get_unknown_id_is_404(api: Api, path: str) -> None:
    error = assert_error(api.get(f"{path}/999999"), 404, "not_found")
    assert "999999" in error["message"]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_list_pages_with_limit_offset_and_a_total(api: Api, path: str) -> None:
    for _ in range(3):
        MAKERS[path](api)
    total = listing(api, path)["total"]
    assert total >= 3

    first = listing(api, path, limit=2)
    second = listing(api, path, limit=2, offset=2)
    assert (first["total"], first["limit"], first["offset"]) == (total, 2, 0)
    assert (second["total"], second["limit"], second["offset"]) == (total, 2, 2)
    assert len(first["items"]) == 2
    assert len(second["items"]) == min(2, total - 2)
    assert not set(ids(first)) & set(ids(second))
    assert ids(first) + ids(second) == ids(listing(api, path))[:4]
    assert listing(api, path, offset=total)["items"] == []


def test_page_size_is_capped_and_checked(api: Api) -> None:
    api.segment()
    assert listing(api, "segments", limit=100_000)["limit"] == 200
    for params, field in (({"limit": 0}, "query.limit"), ({"offset": -1}, "query.offset")):
        error = assert_error(api.get("segments", params=params), 422, "invalid_input")
        assert fields_of(error) == [field]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_patch_with_the_current_version_applies_and_bumps_it(api: Api, path: str) -> None:
    row = MAKERS[path](api)
    changes = CHANGES[path]
    updated = api.ok(api.patch(f"{path}/{row['id']}", json={"version": 1} | changes))
    assert updated["version"] == 2
    for field, value in changes.items():
        assert updated[field] == value, field
    assert updated["updated_at"] >= row["updated_at"]
    assert api.ok(api.get(f"{path}/{row['id']}")) == updated


@pytest.mark.parametrize("path", COLLECTIONS)
def test_patch_with_a_stale_version_is_409_with_the_row_as_it_is_now(api: Api, path: str) -> None:
    row = MAKERS[path](api)
    api.ok(api.patch(f"{path}/{row['id']}", json={"version": 1} | CHANGES[path]))
    now = api.ok(api.get(f"{path}/{row['id']}"))

    error = assert_error(
        api.patch(f"{path}/{row['id']}", json={"version": 1}), 409, "stale_version"
    )
    assert error["details"]["current"] == now
    assert "version 1" in error["message"] and "now 2" in error["message"]
    assert api.ok(api.get(f"{path}/{row['id']}")) == now


@pytest.mark.parametrize("path", COLLECTIONS)
def test_patch_needs_a_version(api: Api, path: str) -> None:
    row = MAKERS[path](api)
    error = assert_error(api.patch(f"{path}/{row['id']}", json=CHANGES[path]), 422)
    assert fields_of(error) == ["body.version"]


@pytest.mark.parametrize("path", DELETABLE)
def test_delete_is_soft_and_restore_brings_the_row_back(api: Api, path: str) -> None:
    row = MAKERS[path](api)
    url = f"{path}/{row['id']}"

    deleted = api.ok(api.delete(url))
    assert deleted["deleted_at"] is not None
    assert deleted["version"] == 2
    assert row["id"] not in ids(listing(api, path))
    assert api.ok(api.get(url)) == deleted
    assert ids(listing(api, path, include_deleted="true")) == [row["id"]]
    # A deleted row is not edited or deleted again until it is restored.
    assert_error(api.patch(url, json={"version": 2} | CHANGES[path]), 404, "not_found")
    assert_error(api.delete(url), 404, "not_found")

    restored = api.ok(api.post(f"{url}/restore"))
    assert restored["deleted_at"] is None
    assert restored["version"] == 3
    assert row["id"] in ids(listing(api, path))
    assert listing(api, path, include_deleted="true")["items"] == []
    # Restoring a live row changes nothing.
    assert api.ok(api.post(f"{url}/restore")) == restored


def test_delete_and_restore_of_unknown_rows_are_404(api: Api) -> None:
    assert_error(api.delete("problems/999"), 404, "not_found")
    assert_error(api.post("problems/999/restore"), 404, "not_found")


def test_decisions_cannot_be_deleted(api: Api) -> None:
    decision = make_decision(api)
    response = api.delete(f"decisions/{decision['id']}")
    assert_error(response, 405, "method_not_allowed")
    assert api.post(f"decisions/{decision['id']}/restore").status_code in (404, 405)
    assert api.ok(api.get(f"decisions/{decision['id']}"))["deleted_at"] is None


def test_decisions_need_the_decider_role(api: Api) -> None:
    problem = api.problem()
    contributor = api.as_member("carl@example.com", "contributor")
    decider = api.as_member("dana@example.com", "decider")
    body = {"problem_id": problem["id"], "kind": "halt", "rationale": "Nobody acts on it."}

    error = assert_error(contributor.post("decisions", json=body), 403, "forbidden")
    assert "decider" in error["message"]
    decision = decider.ok(decider.post("decisions", json=body), 201)
    assert decision["decided_by"] == decider.user_id
    assert decision["kind"] == "halt"
    assert decision["scorecard"]["problem_id"] == problem["id"]
    assert decision["recommendation"] == decision["scorecard"]["recommendation"]["value"]

    change = {"version": 1, "review_on": "2027-01-15"}
    assert_error(contributor.patch(f"decisions/{decision['id']}", json=change), 403, "forbidden")
    assert decider.ok(decider.patch(f"decisions/{decision['id']}", json=change))["version"] == 2
    assert contributor.ok(contributor.get(f"decisions/{decision['id']}"))["review_on"] == (
        "2027-01-15"
    )


def test_a_decision_keeps_its_rationale_and_kind(api: Api) -> None:
    decision = make_decision(api)
    response = api.patch(
        f"decisions/{decision['id']}", json={"version": 1, "kind": "halt", "rationale": "Changed"}
    )
    # Only the review date can move; a new decision supersedes a wrong one.
    error = assert_error(response, 409, "decision_append_only")
    assert error["details"] == {"fields": ["kind", "rationale"]}
    now = api.ok(api.get(f"decisions/{decision['id']}"))
    assert (now["kind"], now["rationale"]) == ("pursue", "Customers pay today.")


def test_a_decision_moves_its_problem_to_decided(api: Api) -> None:
    problem = api.problem()
    make_decision(api, problem_id=problem["id"])
    now = api.ok(api.get(f"problems/{problem['id']}"))
    assert now["status"] == "decided"
    # The status change is a change of the problem: a client holding version 1 is stale.
    assert now["version"] == 2
    stale = api.patch(f"problems/{problem['id']}", json={"version": 1, "status": "exploring"})
    assert_error(stale, 409, "stale_version")


# ---- filters ----------------------------------------------------------------------------------


def test_problems_filter_by_status_owner_and_tag(api: Api) -> None:
    bob = api.as_member("bob@example.com", "contributor")
    billing = api.problem(tags=["Billing", "exports"], status="validating")
    onboarding = api.problem(tags=["onboarding"], owner_id=bob.user_id)
    archived = api.problem(status="archived")
    assert billing["tags"] == ["billing", "exports"]

    assert ids(listing(api, "problems", status="validating")) == [billing["id"]]
    assert ids(listing(api, "problems", status="archived")) == [archived["id"]]
    assert ids(listing(api, "problems", owner_id=bob.user_id)) == [onboarding["id"]]
    assert set(ids(listing(api, "problems", owner_id=api.user_id))) == {
        billing["id"],
        archived["id"],
    }
    assert ids(listing(api, "problems", tag="billing")) == [billing["id"]]
    assert ids(listing(api, "problems", tag="Exports")) == [billing["id"]]
    page = listing(api, "problems", tag="billing", status="exploring")
    assert (page["items"], page["total"]) == ([], 0)
    assert listing(api, "problems", tag="onboarding", owner_id=bob.user_id)["total"] == 1


def test_interviews_filter_by_participant_kind_dates_and_problem(api: Api) -> None:
    ann, ben = api.participant(), api.participant()
    problem = api.problem()
    early = api.interview(participant_id=ann["id"], occurred_on="2026-01-10")
    middle = api.interview(
        participant_id=ben["id"], occurred_on="2026-02-10", kind="churn_interview"
    )
    late = api.interview(
        participant_id=ann["id"], occurred_on="2026-03-10", problem_ids=[problem["id"]]
    )

    assert ids(listing(api, "interviews")) == [late["id"], middle["id"], early["id"]]
    assert ids(listing(api, "interviews", participant_id=ann["id"])) == [late["id"], early["id"]]
    assert ids(listing(api, "interviews", kind="churn_interview")) == [middle["id"]]
    between = listing(api, "interviews", occurred_from="2026-02-10", occurred_to="2026-03-10")
    assert ids(between) == [late["id"], middle["id"]]
    assert ids(listing(api, "interviews", occurred_to="2026-01-31")) == [early["id"]]
    assert ids(listing(api, "interviews", problem_id=problem["id"])) == [late["id"]]
    assert listing(api, "interviews", problem_id=problem["id"], participant_id=ben["id"]) == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }


def test_evidence_filters_by_problem_interview_stance_and_signal(api: Api) -> None:
    exports, onboarding = api.problem(), api.problem()
    person = api.participant()
    interview = api.interview(participant_id=person["id"])
    paid = api.evidence(exports["id"], interview_id=interview["id"])
    shrug = api.evidence(exports["id"], signal="not_a_priority", quote="Not a big deal.")
    stated = api.evidence(onboarding["id"], signal="stated", severity=4, quote="It hurts.")
    assert shrug["stance"] == "contradicts"
    assert paid["participant_id"] == person["id"]

    assert set(ids(listing(api, "evidence", problem_id=exports["id"]))) == {
        paid["id"],
        shrug["id"],
    }
    assert ids(listing(api, "evidence", interview_id=interview["id"])) == [paid["id"]]
    assert ids(listing(api, "evidence", participant_id=person["id"])) == [paid["id"]]
    assert ids(listing(api, "evidence", stance="contradicts")) == [shrug["id"]]
    assert set(ids(listing(api, "evidence", stance="supports"))) == {paid["id"], stated["id"]}
    assert ids(listing(api, "evidence", signal="stated")) == [stated["id"]]
    assert ids(listing(api, "evidence", signal="paid", problem_id=onboarding["id"])) == []


def test_tests_filter_by_assumption_and_status(api: Api) -> None:
    problem = api.problem()
    first, second = api.assumption(problem["id"]), api.assumption(problem["id"])
    planned = api.test_card(first["id"])
    running = api.test_card(first["id"])
    running = api.ok(api.patch(f"tests/{running['id']}", json={"version": 1, "status": "running"}))
    other = api.test_card(second["id"])
    assert running["status"] == "running" and running["started_at"] is not None

    assert ids(listing(api, "tests", assumption_id=first["id"])) == [planned["id"], running["id"]]
    assert ids(listing(api, "tests", assumption_id=second["id"])) == [other["id"]]
    assert ids(listing(api, "tests", status="running")) == [running["id"]]
    assert ids(listing(api, "tests", status="planned")) == [planned["id"], other["id"]]
    assert ids(listing(api, "tests", status="planned", assumption_id=first["id"])) == [
        planned["id"]
    ]


def test_decisions_filter_by_problem(api: Api) -> None:
    exports, onboarding = api.problem(), api.problem()
    first = make_decision(api, problem_id=exports["id"])
    second = make_decision(api, problem_id=onboarding["id"], kind="park")
    third = make_decision(api, problem_id=exports["id"], kind="pivot")

    assert ids(listing(api, "decisions", problem_id=exports["id"])) == [third["id"], first["id"]]
    assert ids(listing(api, "decisions", problem_id=onboarding["id"])) == [second["id"]]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("problems", {"status": "dreaming"}, "query.status"),
        ("problems", {"owner_id": "me"}, "query.owner_id"),
        ("interviews", {"kind": "chat"}, "query.kind"),
        ("interviews", {"occurred_from": "last week"}, "query.occurred_from"),
        ("evidence", {"signal": "loud"}, "query.signal"),
        ("evidence", {"stance": "neutral"}, "query.stance"),
        ("tests", {"status": "done"}, "query.status"),
        ("decisions", {"problem_id": "x"}, "query.problem_id"),
    ],
)
def test_bad_filter_values_are_422_with_the_parameter(
    api: Api, path: str, params: Row, field: str
) -> None:
    error = assert_error(api.get(path, params=params), 422, "invalid_input")
    assert fields_of(error) == [field]

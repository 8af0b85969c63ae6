"""The participant directory, the duplicates it suggests, and merging two participants."""

from typing import Any

import pytest
from sqlmodel import select

from app.kit.audit import AuditEvent
from tests.factories import Api, writing
from tests.helpers import assert_error
from tests.scorecards.test_service_unit_of_work import assert_every_card_fresh


def names(page: dict[str, Any]) -> list[str]:
    return [row["participant"]["name"] for row in page["items"]]


def who_counts(api: Api, problem: dict[str, Any]) -> set[int]:
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    return {p["participant_id"] for p in card["participants"]}


def test_directory_searches_filters_sorts_and_pages(api: Api) -> None:
    smb, ent = api.segment(name="SMB"), api.segment(name="Enterprise")
    ada = api.participant(name="Ada Park", organisation="Globex", segment_id=smb["id"])
    bea = api.participant(name="Bea Ortiz", organisation="Initech", segment_id=ent["id"])
    api.participant(name="carl park", organisation="Globex Ltd", segment_id=ent["id"])
    api.interview(participant_id=ada["id"], occurred_on="2026-09-01")
    api.interview(participant_id=bea["id"], occurred_on="2026-10-05")
    api.interview(participant_id=ada["id"], occurred_on="2026-08-01")

    by_name = api.ok(api.get("participant-directory"))
    assert names(by_name) == ["Ada Park", "Bea Ortiz", "carl park"]
    assert by_name["total"] == 3
    assert by_name["items"][0]["interviews"] == 2
    assert by_name["items"][0]["last_seen"] == "2026-09-01"
    assert by_name["items"][0]["segment"] == "SMB"

    seen = api.ok(api.get("participant-directory", params={"sort": "last_seen"}))
    assert names(seen) == ["Bea Ortiz", "Ada Park", "carl park"]
    assert seen["items"][2]["last_seen"] is None

    assert names(api.ok(api.get("participant-directory", params={"q": "PARK"}))) == [
        "Ada Park",
        "carl park",
    ]
    assert names(api.ok(api.get("participant-directory", params={"segment_id": ent["id"]}))) == [
        "Bea Ortiz",
        "carl park",
    ]
    assert names(api.ok(api.get("participant-directory", params={"organisation": "globex"}))) == [
        "Ada Park",
        "carl park",
    ]
    # A wildcard typed by someone matches itself only.
    assert api.ok(api.get("participant-directory", params={"q": "%"}))["total"] == 0

    second = api.ok(api.get("participant-directory", params={"limit": 2, "offset": 2}))
    assert names(second) == ["carl park"] and second["total"] == 3


def test_directory_refuses_an_unknown_sort(api: Api) -> None:
    assert_error(api.get("participant-directory", params={"sort": "age"}), 422)


def test_duplicates_suggested_by_case_accents_spacing_and_small_edits(api: Api) -> None:
    made = {
        name: api.participant(name=name)["id"]
        for name in (
            "Interviewee 04",
            "interviewee  04",
            "Interviewee 05",
            "José Álvarez",
            "Jose Alvarez",
            "Jon Smithson",
            "John Smithson",
            "Mary Jones",
            "Priya Raman",
        )
    }
    pairs = {(s["keep_id"], s["other_id"]) for s in api.ok(api.get("participant-duplicates"))}
    assert pairs == {
        (made["Interviewee 04"], made["interviewee  04"]),
        (made["José Álvarez"], made["Jose Alvarez"]),
        (made["Jon Smithson"], made["John Smithson"]),
    }


@pytest.fixture
def twins(api: Api) -> dict[str, Any]:
    """Two rows for the same person, each with an interview and evidence on two problems."""
    first, second = api.problem(title="Exports break"), api.problem(title="Invoices late")
    keep = api.participant(name="Interviewee 04")
    absorb = api.participant(name="interviewee 04")
    kept_call = api.interview(
        participant_id=keep["id"],
        problem_ids=[first["id"]],
        highlights=[{"problem_id": first["id"], "quote": "We rebuild it", "signal": "workaround"}],
    )
    absorbed_call = api.interview(
        participant_id=absorb["id"],
        occurred_on="2026-10-09",
        problem_ids=[first["id"], second["id"]],
        highlights=[
            {"problem_id": first["id"], "quote": "Every month", "signal": "stated"},
            {"problem_id": second["id"], "quote": "We pay late fees", "signal": "paid"},
        ],
    )
    loose = api.evidence(second["id"], participant_id=absorb["id"])
    return {
        "keep": keep,
        "absorb": absorb,
        "problems": [first, second],
        "interviews": [kept_call, absorbed_call],
        "loose": loose,
    }


def test_merge_preview_counts_what_moves_without_moving_it(api: Api, twins: Any) -> None:
    keep, absorb = twins["keep"], twins["absorb"]
    preview = api.ok(
        api.get(f"participants/{keep['id']}/merge-preview", params={"absorb_id": absorb["id"]})
    )
    assert preview["moves"] == {"interviews": 1, "evidence items": 3}
    assert preview["keep"]["id"] == keep["id"] and preview["absorb"]["id"] == absorb["id"]
    assert api.ok(api.get(f"participants/{absorb['id']}"))["deleted_at"] is None


def test_merge_moves_everything_audits_and_refreshes_both_sides(
    api: Api, twins: Any, client: Any
) -> None:
    keep, absorb = twins["keep"], twins["absorb"]
    report = api.ok(api.post(f"participants/{keep['id']}/merge", json={"absorb_id": absorb["id"]}))
    assert report["moves"] == {"interviews": 1, "evidence items": 3}

    interviews = api.ok(api.get("interviews", params={"participant_id": keep["id"]}))
    assert {i["id"] for i in interviews["items"]} == {i["id"] for i in twins["interviews"]}
    evidence = api.ok(api.get("evidence", params={"participant_id": keep["id"]}))
    assert evidence["total"] == 4
    assert api.ok(api.get("evidence", params={"participant_id": absorb["id"]}))["total"] == 0
    assert api.ok(api.get(f"participants/{absorb['id']}"))["deleted_at"] is not None
    # One person now: each card counts one participant where it counted two.
    for problem in twins["problems"]:
        assert who_counts(api, problem) == {keep["id"]}

    with writing(client) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.id == report["merge_id"])).one()
        assert (event.action, event.entity, event.entity_id) == (
            "merge",
            "participant",
            absorb["id"],
        )
        assert event.after is not None and event.after["into"] == keep["id"]
        assert sorted(event.after["moved"]["evidence items"]) == sorted(
            [e["id"] for e in twins["interviews"][1]["evidence"]] + [twins["loose"]["id"]]
        )
        assert_every_card_fresh(session, "a merge of participants")


def test_undo_moves_the_rows_back_and_restores_the_participant(
    api: Api, twins: Any, client: Any
) -> None:
    keep, absorb = twins["keep"], twins["absorb"]
    before = api.ok(api.get("evidence", params={"participant_id": absorb["id"]}))
    counted = [who_counts(api, problem) for problem in twins["problems"]]
    report = api.ok(api.post(f"participants/{keep['id']}/merge", json={"absorb_id": absorb["id"]}))

    restored = api.ok(api.post(f"participant-merges/{report['merge_id']}/undo"))
    assert restored["id"] == absorb["id"] and restored["deleted_at"] is None
    after = api.ok(api.get("evidence", params={"participant_id": absorb["id"]}))
    assert {e["id"] for e in after["items"]} == {e["id"] for e in before["items"]}
    interviews = api.ok(api.get("interviews", params={"participant_id": absorb["id"]}))
    assert [i["id"] for i in interviews["items"]] == [twins["interviews"][1]["id"]]
    assert [who_counts(api, problem) for problem in twins["problems"]] == counted
    assert counted[0] == {keep["id"], absorb["id"]}
    with writing(client) as session:
        assert_every_card_fresh(session, "an undone merge of participants")

    again = api.post(f"participant-merges/{report['merge_id']}/undo")
    assert_error(again, 409, "already_undone")


def test_merge_refuses_the_same_participant_twice_and_strangers(api: Api, twins: Any) -> None:
    keep = twins["keep"]
    assert_error(api.post(f"participants/{keep['id']}/merge", json={"absorb_id": keep["id"]}), 422)
    other = Api.signed_up(api.client, email="eve@example.com", workspace="other")
    stranger = other.participant(name="Interviewee 04")
    assert_error(
        api.post(f"participants/{keep['id']}/merge", json={"absorb_id": stranger["id"]}), 404
    )
    assert_error(api.post("participant-merges/999999/undo"), 404)


def test_merge_needs_a_contributor(api: Api, twins: Any) -> None:
    viewer = api.as_member("vic@example.com", "viewer")
    body = {"absorb_id": twins["absorb"]["id"]}
    assert_error(viewer.post(f"participants/{twins['keep']['id']}/merge", json=body), 403)

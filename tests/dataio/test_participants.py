"""A participant's personal data: exported on request, erased on request, quotes kept."""

from tests.factories import Api


def test_export_holds_everything_about_the_participant(api: Api) -> None:
    segment = api.segment(name="Enterprise")
    person = api.participant(
        name="Grace Hopper", contact="grace@example.com", segment_id=segment["id"]
    )
    problem = api.problem()
    api.interview(
        participant_id=person["id"],
        notes="Talked about month end.",
        highlights=[{"problem_id": problem["id"], "quote": "We pay Deloitte.", "signal": "paid"}],
    )
    other = api.participant(name="Someone Else")
    api.interview(participant_id=other["id"], notes="Not about Grace.")

    data = api.ok(api.get(f"participants/{person['id']}/personal-data"))
    assert data["participant"]["name"] == "Grace Hopper"
    assert data["participant"]["contact"] == "grace@example.com"
    assert data["participant"]["segment"] == "Enterprise"
    assert [i["notes"] for i in data["interviews"]] == ["Talked about month end."]
    assert [e["quote"] for e in data["evidence"]] == ["We pay Deloitte."]


def test_erasure_clears_personal_fields_keeps_quotes_and_is_audited(api: Api) -> None:
    person = api.participant(
        name="Grace Hopper", organisation="Navy", title="Rear admiral", contact="grace@example.com"
    )
    problem = api.problem()
    api.interview(
        participant_id=person["id"],
        highlights=[{"problem_id": problem["id"], "quote": "We pay Deloitte.", "signal": "paid"}],
    )
    api.ok(
        api.post(
            "decisions",
            json={"problem_id": problem["id"], "kind": "park", "rationale": "Too early."},
        ),
        201,
    )

    erased = api.ok(api.post(f"participants/{person['id']}/erase"))
    assert erased["name"] == f"Erased participant {person['id']}"
    assert (erased["organisation"], erased["title"], erased["contact"]) == ("", "", "")
    evidence = api.ok(api.get("evidence", params={"participant_id": person["id"]}))["items"]
    assert [e["quote"] for e in evidence] == ["We pay Deloitte."]

    audit = api.ok(api.get("audit", params={"limit": 200}))["items"]
    assert any(e["action"] == "erase" and e["entity_id"] == person["id"] for e in audit)
    # Nothing kept anywhere still holds what was erased.
    everything = api.client.get("/api/v1/workspaces/acme/export", headers=api.headers).text
    for personal in ("Grace Hopper", "grace@example.com", "Rear admiral"):
        assert personal not in everything


def test_only_admins_see_or_erase_personal_data(api: Api) -> None:
    person = api.participant(name="Grace Hopper")
    member = api.as_member("cat@example.com", "contributor")
    assert member.get(f"participants/{person['id']}/personal-data").status_code == 403
    assert member.post(f"participants/{person['id']}/erase").status_code == 403
    assert api.get("participants/999999/personal-data").status_code == 404

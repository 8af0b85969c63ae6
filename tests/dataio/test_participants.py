"""A participant's personal data: exported on request, erased on request, quotes kept."""

import re
from datetime import date
from typing import Any

from tests.factories import Api
from tests.pages import Web


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


# ---- erasure leaves everything else intact -------------------------------------------------


def _decided_problem(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A problem decided on the evidence of "Ann", "Joanne Annis" and "2" (no segment, so the
    memo names all three in its bias flags), due for review."""
    problem = api.problem(title="Month-end exports break")
    people = {}
    for name, signal, quote in (
        ("Ann", "paid", "We pay a contractor."),
        ("Joanne Annis", "workaround", "We keep a macro."),
        ("2", "switched", "We moved to a rival."),
    ):
        people[name] = api.participant(name=name)
        api.evidence(problem["id"], participant_id=people[name]["id"], signal=signal, quote=quote)
    decision = api.ok(
        api.post(
            "decisions",
            json={
                "problem_id": problem["id"],
                "kind": "park",
                "rationale": "Too early to call.",
                "review_on": date.today().isoformat(),  # due today: on the review queue
            },
        ),
        201,
    )
    return problem, decision, people


def _everything_shown(api: Api, web: Web, problem: dict[str, Any], decision: dict[str, Any]) -> Any:
    """What people read: the memos (Markdown and page), the review queue and the review page."""
    shown = {
        "decision memo": api.get(f"decisions/{decision['id']}/memo"),
        "decision memo page": api.get(f"decisions/{decision['id']}/memo?format=html"),
        "problem memo": api.get(f"problems/{problem['id']}/memo"),
        "review queue": api.get("review"),
        "review page": web.get("review"),
    }
    for what, response in shown.items():
        assert response.status_code == 200, f"{what}: {response.status_code} {response.text}"
    return {what: response.text for what, response in shown.items()}


def _attributed(document: Any, participant_id: int) -> list[str]:
    """The texts a JSON document attributes to one participant: names, quote sources, the
    names that start their score terms."""
    found: list[str] = []
    if isinstance(document, list):
        for value in document:
            found += _attributed(value, participant_id)
    elif isinstance(document, dict):
        if document.get("participant_id") == participant_id:
            found += [document[k] for k in ("name", "participant") if k in document]
            if "label" in document:
                found.append(document["label"].split(": ", 1)[0])
        for value in document.values():
            found += _attributed(value, participant_id)
    return found


def test_erasing_a_name_inside_another_name_changes_only_that_participant(
    api: Api, web: Web
) -> None:
    problem, decision, people = _decided_problem(api)
    before = _everything_shown(api, web, problem, decision)
    assert "Ann, Joanne Annis, 2" in before["decision memo"]

    ann = api.ok(api.post(f"participants/{people['Ann']['id']}/erase"))["name"]
    after = _everything_shown(api, web, problem, decision)

    # Byte for byte what it was, but for the erased name: other names, numbers and times kept.
    assert after["decision memo"].replace(ann, "Ann") == before["decision memo"]
    assert after["decision memo page"].replace(ann, "Ann") == before["decision memo page"]
    assert after["review queue"] == before["review queue"]
    assert after["decision memo"] != before["decision memo"]
    assert f"{ann}, Joanne Annis, 2" in after["decision memo"]
    assert "Joanne Annis: keeps a workaround" in after["decision memo"]
    assert "> — Joanne Annis, workaround" in after["decision memo"]
    for text in after.values():
        assert not re.search(r"\bAnn\b", text)

    everything = api.client.get("/api/v1/workspaces/acme/export", headers=api.headers).text
    assert not re.search(r"\bAnn\b", everything)
    assert "Joanne Annis" in everything


def test_erasing_a_participant_named_2_keeps_every_number_and_time(api: Api, web: Web) -> None:
    problem, decision, people = _decided_problem(api)
    before = _everything_shown(api, web, problem, decision)
    pid = people["2"]["id"]

    two = api.ok(api.post(f"participants/{pid}/erase"))["name"]
    after = _everything_shown(api, web, problem, decision)

    assert after["decision memo"].replace(two, "2") == before["decision memo"]
    assert after["decision memo page"].replace(two, "2") == before["decision memo page"]
    assert after["review queue"] == before["review queue"]
    assert f"Ann, Joanne Annis, {two})" in after["decision memo"]
    for pattern in (r": 2: ", r"— 2, ", r", 2\)"):
        assert not re.search(pattern, after["decision memo"]), pattern

    document = api.client.get("/api/v1/workspaces/acme/export", headers=api.headers).json()
    attributed = _attributed(document, pid)
    assert attributed and set(attributed) == {two}
    tables = document["tables"]
    events = [e for e in tables["audit_event"] if e["entity"] in ("decision", "participant")]
    for event in events:
        assert "2" not in _attributed([event["before"], event["after"]], pid)
        if event["entity"] == "participant" and event["entity_id"] == pid:
            assert (event["after"] or {}).get("name") in (None, two)


def test_erasure_finds_the_name_a_decision_froze_before_a_rename(api: Api) -> None:
    problem = api.problem()
    person = api.participant(name="Bea Old")
    api.evidence(problem["id"], participant_id=person["id"], signal="paid")
    decision = api.ok(
        api.post(
            "decisions",
            json={"problem_id": problem["id"], "kind": "park", "rationale": "Too early."},
        ),
        201,
    )
    api.ok(api.patch(f"participants/{person['id']}", json={"version": 1, "name": "Bea New"}))

    erased = api.ok(api.post(f"participants/{person['id']}/erase"))["name"]

    memo = api.get(f"decisions/{decision['id']}/memo")
    assert memo.status_code == 200
    assert f"{erased}: pays for it" in memo.text
    everything = api.client.get("/api/v1/workspaces/acme/export", headers=api.headers).text
    assert "Bea Old" not in everything and "Bea New" not in everything


def test_erasure_renames_the_interviews_an_import_titled_after_the_participant(
    api: Api,
) -> None:
    from tests.dataio.test_csv_import import csv_of, upload

    api.problem(title="Month-end close takes a week")
    data = csv_of(
        "Ann,,2026-10-01,interview,We pay a contractor.,Month-end close takes a week,,paid,,",
        "Joanne Annis,,2026-10-02,interview,We keep a macro.,Month-end close takes a week,,"
        "workaround,,",
    )
    api.ok(upload(api, data))
    ann = api.ok(api.get("participants", params={"q": "Ann"}))["items"]
    ann_id = next(p["id"] for p in ann if p["name"] == "Ann")

    erased = api.ok(api.post(f"participants/{ann_id}/erase"))["name"]

    titles = sorted(i["title"] for i in api.ok(api.get("interviews"))["items"])
    assert titles == [f"Imported: {erased}, 2026-10-01", "Imported: Joanne Annis, 2026-10-02"]
    audit = api.client.get("/api/v1/workspaces/acme/export", headers=api.headers).json()
    audit_titles = sorted(
        e["after"]["title"]
        for e in audit["tables"]["audit_event"]
        if e["entity"] == "interview" and e["after"]
    )
    assert audit_titles == titles

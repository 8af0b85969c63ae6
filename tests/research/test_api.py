"""Logging an interview the way a PM does: one request with its covered problems and highlights."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import Response

from app.research import service
from tests.factories import Api
from tests.helpers import assert_error, fields_of
from tests.pages import Web, soup


def test_interview_with_covered_problems_and_highlights_in_one_request(api: Api) -> None:
    person = api.participant(name="Priya")
    exports, onboarding, pricing = api.problem(), api.problem(), api.problem()

    interview = api.interview(
        participant_id=person["id"],
        kind="churn_interview",
        occurred_on="2026-09-30",
        title="Why Priya left",
        notes="## Notes\nThey moved to a competitor.",
        problem_ids=[exports["id"], pricing["id"], exports["id"]],
        highlights=[
            {"problem_id": exports["id"], "quote": "We paid a contractor", "signal": "paid"},
            {
                "problem_id": onboarding["id"],
                "quote": "Setup took two weeks",
                "signal": "stated",
                "severity": 4,
                "frequency": "monthly",
            },
            {"problem_id": pricing["id"], "quote": "Price is fine", "signal": "not_experienced"},
        ],
    )

    assert interview["kind"] == "churn_interview"
    assert interview["participant_id"] == person["id"]
    assert interview["notes"].startswith("## Notes")
    # A highlight on a problem means the interview covered it, even if not ticked.
    assert interview["problem_ids"] == sorted([exports["id"], onboarding["id"], pricing["id"]])
    evidence = interview["evidence"]
    assert [e["quote"] for e in evidence] == [
        "We paid a contractor",
        "Setup took two weeks",
        "Price is fine",
    ]
    for item in evidence:
        assert item["interview_id"] == interview["id"]
        assert item["participant_id"] == person["id"]
        assert item["created_by"] == api.user_id
    assert [e["stance"] for e in evidence] == ["supports", "supports", "contradicts"]
    assert (evidence[1]["severity"], evidence[1]["frequency"]) == (4, "monthly")

    # The evidence rows are real rows of the collection, filterable by the interview.
    listed = api.ok(api.get("evidence", params={"interview_id": interview["id"]}))
    assert sorted(e["id"] for e in listed["items"]) == sorted(e["id"] for e in evidence)
    assert api.ok(api.get(f"interviews/{interview['id']}")) == interview


def test_conducted_by_defaults_to_the_caller(api: Api) -> None:
    contributor = api.as_member("carl@example.com", "contributor")
    assert contributor.interview()["conducted_by"] == contributor.user_id
    chosen = contributor.interview(conducted_by=api.user_id)
    assert chosen["conducted_by"] == api.user_id
    assert chosen["created_by"] == contributor.user_id


def test_conducted_by_must_be_a_member(api: Api) -> None:
    outsider = Api.signed_up(api.client, email="olga@example.com", workspace="elsewhere")
    response = api.post(
        "interviews", json={"occurred_on": "2026-10-01", "conducted_by": outsider.user_id}
    )
    assert fields_of(assert_error(response, 422, "invalid_input")) == ["conducted_by"]


def test_interview_without_participant_or_problems(api: Api) -> None:
    interview = api.interview(kind="analytics")
    assert (interview["participant_id"], interview["problem_ids"], interview["evidence"]) == (
        None,
        [],
        [],
    )


@pytest.fixture
def elsewhere(api: Api) -> dict[str, Any]:
    """Rows of another workspace, owned by another user."""
    other = Api.signed_up(api.client, email="olga@example.com", workspace="elsewhere")
    problem = other.problem()
    return {
        "participant": other.participant(),
        "problem": problem,
        "segment": other.segment(),
        "interview": other.interview(),
        "assumption": other.assumption(problem["id"]),
    }


def test_references_to_another_workspace_are_422_with_the_field_path(
    api: Api, elsewhere: dict[str, Any]
) -> None:
    mine = api.problem()
    theirs = elsewhere["problem"]["id"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"participant_id": elsewhere["participant"]["id"]}, "participant_id"),
        ({"problem_ids": [mine["id"], theirs]}, "problem_ids"),
        (
            {
                "highlights": [
                    {"problem_id": mine["id"], "quote": "ok", "signal": "paid"},
                    {"problem_id": theirs, "quote": "not ours", "signal": "paid"},
                ]
            },
            "highlights.1.problem_id",
        ),
    ]
    for extra, field in cases:
        response = api.post("interviews", json={"occurred_on": "2026-10-01"} | extra)
        error = assert_error(response, 422, "invalid_input")
        assert fields_of(error) == [field], extra
        assert error["message"].startswith(f"{field}: ")
    # Nothing was written by the refused requests.
    assert api.ok(api.get("interviews"))["total"] == 0
    assert api.ok(api.get("evidence"))["total"] == 0


def test_other_collections_refuse_references_to_another_workspace(
    api: Api, elsewhere: dict[str, Any]
) -> None:
    mine = api.problem()
    interview = api.interview()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("participants", {"name": "P", "segment_id": elsewhere["segment"]["id"]}, "segment_id"),
        (
            "evidence",
            {"problem_id": elsewhere["problem"]["id"], "quote": "q", "signal": "paid"},
            "problem_id",
        ),
        (
            "evidence",
            {
                "problem_id": mine["id"],
                "interview_id": elsewhere["interview"]["id"],
                "quote": "q",
                "signal": "paid",
            },
            "interview_id",
        ),
        (
            "evidence",
            {
                "problem_id": mine["id"],
                "participant_id": elsewhere["participant"]["id"],
                "quote": "q",
                "signal": "paid",
            },
            "participant_id",
        ),
        (
            "assumptions",
            {"problem_id": elsewhere["problem"]["id"], "statement": "s", "category": "viability"},
            "problem_id",
        ),
        (
            "tests",
            {
                "assumption_id": elsewhere["assumption"]["id"],
                "method": "survey",
                "metric": "m",
                "operator": "yes",
            },
            "assumption_id",
        ),
        (
            "decisions",
            {"problem_id": elsewhere["problem"]["id"], "kind": "halt", "rationale": "r"},
            "problem_id",
        ),
    ]
    for path, body, field in cases:
        error = assert_error(api.post(path, json=body), 422, "invalid_input")
        assert fields_of(error) == [field], (path, body)
    patch = api.patch(
        f"interviews/{interview['id']}",
        json={"version": 1, "participant_id": elsewhere["participant"]["id"]},
    )
    assert fields_of(assert_error(patch, 422)) == ["participant_id"]
    patch = api.patch(
        f"interviews/{interview['id']}",
        json={"version": 1, "problem_ids": [elsewhere["problem"]["id"]]},
    )
    assert fields_of(assert_error(patch, 422)) == ["problem_ids"]


def test_deleted_rows_cannot_be_referenced(api: Api) -> None:
    person = api.participant()
    problem = api.problem()
    api.ok(api.delete(f"participants/{person['id']}"))
    api.ok(api.delete(f"problems/{problem['id']}"))
    response = api.post(
        "interviews",
        json={
            "occurred_on": "2026-10-01",
            "participant_id": person["id"],
            "problem_ids": [problem["id"]],
        },
    )
    assert fields_of(assert_error(response, 422)) == ["participant_id"]
    response = api.post(
        "evidence", json={"problem_id": problem["id"], "quote": "q", "signal": "paid"}
    )
    assert fields_of(assert_error(response, 422)) == ["problem_id"]


def test_changing_the_participant_moves_the_interviews_evidence(api: Api) -> None:
    first, second = api.participant(), api.participant()
    problem = api.problem()
    interview = api.interview(
        participant_id=first["id"],
        highlights=[{"problem_id": problem["id"], "quote": "q", "signal": "workaround"}],
    )
    updated = api.ok(
        api.patch(
            f"interviews/{interview['id']}", json={"version": 1, "participant_id": second["id"]}
        )
    )
    assert [e["participant_id"] for e in updated["evidence"]] == [second["id"]]
    evidence = api.ok(api.get("evidence", params={"participant_id": second["id"]}))
    assert evidence["total"] == 1


def test_changing_covered_problems(api: Api) -> None:
    exports, pricing = api.problem(), api.problem()
    interview = api.interview(problem_ids=[exports["id"]])
    updated = api.ok(
        api.patch(
            f"interviews/{interview['id']}", json={"version": 1, "problem_ids": [pricing["id"]]}
        )
    )
    assert updated["problem_ids"] == [pricing["id"]]
    assert updated["version"] == 2
    covered = api.ok(api.get("interviews", params={"problem_id": exports["id"]}))
    assert covered["total"] == 0


def test_evidence_logged_against_an_interview_takes_its_participant_and_covers_the_problem(
    api: Api,
) -> None:
    person = api.participant()
    problem = api.problem()
    interview = api.interview(participant_id=person["id"])
    item = api.evidence(problem["id"], interview_id=interview["id"])
    assert item["participant_id"] == person["id"]
    now = api.ok(api.get(f"interviews/{interview['id']}"))
    assert now["problem_ids"] == [problem["id"]]
    assert [e["id"] for e in now["evidence"]] == [item["id"]]


def test_deleted_evidence_leaves_the_interview(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(
        highlights=[
            {"problem_id": problem["id"], "quote": "one", "signal": "paid"},
            {"problem_id": problem["id"], "quote": "two", "signal": "stated"},
        ]
    )
    first = interview["evidence"][0]
    api.ok(api.delete(f"evidence/{first['id']}"))
    assert [e["quote"] for e in api.ok(api.get(f"interviews/{interview['id']}"))["evidence"]] == [
        "two"
    ]


# ---- an interview has happened and holds something -----------------------------------------

TODAY = datetime.now(UTC).date()
# Far enough ahead to be in the future in every time zone, whatever the hour.
FUTURE = TODAY + timedelta(days=2)
SURFACES = ["api", "page"]


@pytest.fixture
def web(api: Api) -> Web:
    browser = Web(api.client, api.ws)
    browser.sign_in("ada@example.com")
    return browser


def _log(
    surface: str,
    api: Api,
    web: Web,
    *,
    occurred_on: date,
    title: str = "Call with Priya",
    notes: str = "",
    problem_ids: list[int] | None = None,
    quotes: list[tuple[int, str]] | None = None,
) -> Response:
    """Log an interview through the API or the interview page."""
    problem_ids, quotes = problem_ids or [], quotes or []
    if surface == "api":
        body = {"occurred_on": occurred_on.isoformat(), "title": title, "notes": notes}
        highlights = [{"problem_id": pid, "quote": q, "signal": "paid"} for pid, q in quotes]
        return api.post(
            "interviews", json=body | {"problem_ids": problem_ids} | {"highlights": highlights}
        )
    form = {
        "kind": "interview",
        "occurred_on": occurred_on.isoformat(),
        "title": title,
        "notes": notes,
        "problem_ids": [str(pid) for pid in problem_ids],
        "h_quote": [q for _, q in quotes] or [""],
        "h_problem": [str(pid) for pid, _ in quotes] or [""],
        "h_signal": ["paid"] * max(len(quotes), 1),
        "h_severity": [""] * max(len(quotes), 1),
        "h_frequency": [""] * max(len(quotes), 1),
    }
    return web.post("interviews", form)


def _refused(surface: str, response: Response, field: str | None) -> str:
    """The refusal in the words a person reads; on the page, beside its field or on top."""
    if surface == "api":
        error = assert_error(response, 422, "invalid_input")
        if field:
            assert fields_of(error) == [field]
        return str(error["message"])
    assert response.status_code == 422, response.text
    page = soup(response)
    assert page.find(id="title")["value"] == "Call with Priya"  # nothing typed is lost
    if field:
        assert page.find(id=field)["aria-invalid"] == "true"
        return str(page.find(id=f"{field}-error").get_text())
    return str(page.find(attrs={"role": "alert", "class": "form-error"}).get_text())


@pytest.mark.parametrize("surface", SURFACES)
def test_an_interview_dated_in_the_future_is_refused(api: Api, web: Web, surface: str) -> None:
    response = _log(surface, api, web, occurred_on=FUTURE, notes="We will ask about exports.")
    message = _refused(surface, response, "occurred_on")
    assert f"{FUTURE.isoformat()} is in the future" in message
    assert "once it has happened" in message
    assert api.ok(api.get("interviews"))["total"] == 0


@pytest.mark.parametrize("surface", SURFACES)
def test_an_interview_with_nothing_in_it_is_refused(api: Api, web: Web, surface: str) -> None:
    person = api.participant(name="Priya")
    if surface == "api":
        response = api.post(
            "interviews",
            json={
                "occurred_on": TODAY.isoformat(),
                "title": "Call with Priya",
                "notes": "   ",
                "participant_id": person["id"],
            },
        )
    else:
        response = _log(surface, api, web, occurred_on=TODAY, notes="   ")
    message = _refused(surface, response, None)
    assert message.startswith("This interview has nothing in it yet")
    assert "notes, a highlight, or a problem it covered" in message
    assert api.ok(api.get("interviews"))["total"] == 0


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("content", ["notes", "a covered problem", "a highlight"])
def test_any_one_thing_in_it_is_enough(api: Api, web: Web, surface: str, content: str) -> None:
    problem = api.problem()
    fields: dict[str, Any] = {
        "notes": {"notes": "She closes the month in Excel."},
        "a covered problem": {"problem_ids": [problem["id"]]},
        "a highlight": {"quotes": [(problem["id"], "We pay a contractor.")]},
    }[content]
    response = _log(surface, api, web, occurred_on=TODAY, **fields)
    assert response.status_code == (201 if surface == "api" else 303), response.text
    [logged] = api.ok(api.get("interviews"))["items"]
    assert logged["occurred_on"] == TODAY.isoformat()


def test_an_interview_cannot_be_moved_into_the_future(api: Api) -> None:
    interview = api.interview()
    response = api.patch(
        f"interviews/{interview['id']}", json={"version": 1, "occurred_on": FUTURE.isoformat()}
    )
    assert fields_of(assert_error(response, 422, "invalid_input")) == ["occurred_on"]
    assert api.ok(api.get(f"interviews/{interview['id']}"))["occurred_on"] == "2026-10-01"


def test_an_interview_cannot_be_emptied(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(notes="Talked pricing.", problem_ids=[problem["id"]])
    emptied = {"version": 1, "notes": "", "problem_ids": []}
    response = api.patch(f"interviews/{interview['id']}", json=emptied)
    assert "nothing in it" in assert_error(response, 422, "invalid_input")["message"]
    # Keeping one thing in it is fine; so is an edit that leaves the contents alone.
    kept = api.ok(api.patch(f"interviews/{interview['id']}", json={"version": 1, "notes": ""}))
    assert (kept["notes"], kept["problem_ids"]) == ("", [problem["id"]])
    retitled = api.patch(f"interviews/{interview['id']}", json={"version": 2, "title": "Pricing"})
    assert api.ok(retitled)["title"] == "Pricing"


def test_an_interview_with_evidence_is_not_empty(api: Api) -> None:
    problem = api.problem()
    interview = api.interview(
        notes="", highlights=[{"problem_id": problem["id"], "quote": "q", "signal": "paid"}]
    )
    response = api.patch(
        f"interviews/{interview['id']}", json={"version": 1, "notes": "", "problem_ids": []}
    )
    assert api.ok(response)["problem_ids"] == []


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        # Early morning in UTC+10 is still the day before in UTC: that morning's date counts.
        (datetime(2026, 11, 29, 21, 0, tzinfo=UTC), date(2026, 11, 30)),
        (datetime(2026, 11, 29, 9, 0, tzinfo=UTC), date(2026, 11, 29)),
        (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), date(2026, 11, 29)),
    ],
)
def test_the_latest_date_is_today_somewhere(
    monkeypatch: pytest.MonkeyPatch, now: datetime, latest: date
) -> None:
    monkeypatch.setattr(service, "utcnow", lambda: now)
    assert service.latest_today() == latest


def test_the_interview_page_offers_no_date_later_than_today(api: Api, web: Web) -> None:
    page = soup(web.get("interviews/new"))
    assert date.fromisoformat(page.find(id="occurred_on")["max"]) >= TODAY

"""A decision's review date is a promise to look again: it cannot be set in the past, whether
the decision is recorded through the API or the decide page, or its review date moved later."""

from datetime import UTC, date, datetime, timedelta

import pytest
from httpx import Response

from app.decisions import service
from tests.decisions.test_api import decide
from tests.factories import Api
from tests.helpers import assert_error, fields_of
from tests.pages import Web, soup

TODAY = datetime.now(UTC).date()
# Far enough back to have passed in every time zone, whatever the hour.
PAST = TODAY - timedelta(days=2)
SURFACES = ["api create", "api move", "page"]


@pytest.fixture
def web(api: Api) -> Web:
    browser = Web(api.client, api.ws)
    browser.sign_in("ada@example.com")
    return browser


def _record(surface: str, api: Api, web: Web, problem_id: int, review_on: date) -> Response:
    """Record a decision reviewed on `review_on`, or move a new decision's review date to it."""
    if surface == "page":
        form = {"kind": "park", "rationale": "Not now.", "review_on": review_on.isoformat()}
        return web.post(f"problems/{problem_id}/decide", form)
    if surface == "api create":
        body = {"problem_id": problem_id, "kind": "park", "rationale": "Not now."}
        return api.post("decisions", json=body | {"review_on": review_on.isoformat()})
    decision = decide(api, problem_id, "park", review_on=(TODAY + timedelta(days=30)).isoformat())
    body = {"version": decision["version"], "review_on": review_on.isoformat()}
    return api.patch(f"decisions/{decision['id']}", json=body)


@pytest.mark.parametrize("surface", SURFACES)
def test_a_review_date_in_the_past_is_refused(api: Api, web: Web, surface: str) -> None:
    problem = api.problem()
    response = _record(surface, api, web, problem["id"], PAST)
    if surface == "page":
        assert response.status_code == 422
        page = soup(response)
        message = page.find(id="review_on-error").get_text()
        assert page.find(id="review_on")["aria-invalid"] == "true"
        assert page.find(id="review_on")["value"] == PAST.isoformat()  # nothing typed is lost
        assert page.find(id="kind-park").has_attr("checked")
    else:
        error = assert_error(response, 422, "invalid_input")
        assert fields_of(error) == ["review_on"]
        message = error["message"]
    assert f"{PAST.isoformat()} has already passed" in message
    assert "choose today or a later date" in message
    decisions = api.ok(api.get("decisions"))["items"]
    # Nothing was recorded (the decision whose date was to move keeps its date).
    assert [d["review_on"] for d in decisions] == (
        [(TODAY + timedelta(days=30)).isoformat()] if surface == "api move" else []
    )


@pytest.mark.parametrize("surface", SURFACES)
def test_a_review_date_of_today_or_later_is_kept(api: Api, web: Web, surface: str) -> None:
    problem = api.problem()
    response = _record(surface, api, web, problem["id"], TODAY)
    assert response.status_code == {"api create": 201, "api move": 200, "page": 303}[surface]
    [decision] = api.ok(api.get("decisions"))["items"]
    assert decision["review_on"] == TODAY.isoformat()


def test_a_decision_whose_review_date_has_come_can_still_be_moved_later(api: Api) -> None:
    decision = decide(api, api.problem()["id"], review_on=TODAY.isoformat())
    later = (TODAY + timedelta(days=14)).isoformat()
    moved = api.patch(f"decisions/{decision['id']}", json={"version": 1, "review_on": later})
    assert api.ok(moved)["review_on"] == later


def test_the_decide_page_offers_no_earlier_date_than_today(api: Api, web: Web) -> None:
    page = soup(web.get(f"problems/{api.problem()['id']}/decide"))
    assert date.fromisoformat(page.find(id="review_on")["min"]) <= TODAY


@pytest.mark.parametrize(
    ("now", "earliest"),
    [
        # Late evening in UTC-8 is already the next day in UTC: that evening's date still counts.
        (datetime(2026, 11, 30, 4, 0, tzinfo=UTC), date(2026, 11, 29)),
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), date(2026, 11, 30)),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), date(2026, 11, 30)),
    ],
)
def test_the_earliest_date_is_today_somewhere(
    monkeypatch: pytest.MonkeyPatch, now: datetime, earliest: date
) -> None:
    monkeypatch.setattr(service, "utcnow", lambda: now)
    assert service.earliest_today() == earliest

"""Read-only share links: made by deciders, read without an account, noindex, counted and
audited per view, expiring and revocable."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.sharing import service
from tests.factories import Api
from tests.helpers import assert_error
from tests.pages import HTML, soup


def shared(api: Api, **body: object) -> dict:
    return api.ok(api.post("share-links", json=body), 201)  # type: ignore[no-any-return]


def test_a_scorecard_link_reads_without_an_account_and_shows_only_the_card(api: Api) -> None:
    problem = api.problem(title="Exports break at month end")
    made = shared(api, kind="scorecard", target_id=problem["id"])
    assert made["title"] == "Scorecard: Exports break at month end"
    path = made["link"].removeprefix("http://testserver")
    stranger = TestClient(api.client.app)  # no cookie, no token
    page = stranger.get(path, headers=HTML)
    assert page.status_code == 200
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = soup(page)
    assert html.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    assert html.find("h1").get_text() == "Exports break at month end"
    # Nothing leads into the workspace.
    assert [a["href"] for a in html.find_all("a") if "/w/" in a["href"]] == []
    assert html.find("form") is None
    views = api.ok(api.get("audit", params={"entity": "share_link"}))["items"]
    assert [(e["action"], e["actor_id"]) for e in views] == [
        ("view", None),
        ("create", api.user_id),
    ]
    assert api.ok(api.get("share-links"))[0]["views"] == 1


def test_a_memo_link_shows_the_frozen_memo(api: Api) -> None:
    problem = api.problem(title="Onboarding takes weeks")
    decision = api.ok(
        api.post(
            "decisions",
            json={"problem_id": problem["id"], "kind": "pursue", "rationale": "They pay today"},
        ),
        201,
    )
    made = shared(api, kind="memo", target_id=decision["id"])
    api.ok(api.patch(f"problems/{problem['id']}", json={"version": 2, "title": "Renamed later"}))
    page = TestClient(api.client.app).get(made["link"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "They pay today" in page.text
    assert "Decision memo: Onboarding takes weeks" in soup(page).find("h1").get_text()
    banner = soup(page).find(id="shared-banner").get_text()
    assert banner.startswith("Read-only link shared by ") and "it works until 20" in banner


def test_revoked_expired_and_forged_links_are_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = api.problem()
    first = shared(api, kind="scorecard", target_id=problem["id"])
    second = shared(api, kind="scorecard", target_id=problem["id"])
    stranger = TestClient(api.client.app)
    assert api.delete(f"share-links/{first['id']}").status_code == 204
    refused = stranger.get(first["link"].removeprefix("http://testserver"), headers=HTML)
    assert refused.status_code == 404 and "does not work" in refused.text
    assert refused.headers["X-Robots-Tag"].startswith("noindex")
    path = second["link"].removeprefix("http://testserver")
    assert stranger.get(path[:-3] + "abc").status_code == 404
    later = service.utcnow() + timedelta(days=31)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert stranger.get(path).status_code == 404


def test_only_deciders_share_and_only_rows_of_the_workspace(api: Api) -> None:
    problem = api.problem()
    viewer = api.as_member("vic@example.com", "viewer")
    assert_error(
        viewer.post("share-links", json={"kind": "scorecard", "target_id": problem["id"]}), 403
    )
    assert_error(api.post("share-links", json={"kind": "scorecard", "target_id": 999}), 404)
    assert_error(api.post("share-links", json={"kind": "memo", "target_id": problem["id"]}), 404)
    past = {"kind": "scorecard", "target_id": problem["id"], "expires_on": "2020-01-01"}
    assert_error(api.post("share-links", json=past), 422)

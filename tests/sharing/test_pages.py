"""Sharing from Settings: a decider makes a link, sees it listed, and revokes it."""

from fastapi.testclient import TestClient

from tests.factories import Api
from tests.pages import HTML, Web, soup


def test_share_from_settings_then_revoke(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    made = web.post("settings/share-links", {"shared": f"scorecard:{problem['id']}"})
    assert made.status_code == 200
    url = soup(made).find(id="share-link")["value"].removeprefix("http://testserver")
    stranger = TestClient(api.client.app)
    assert stranger.get(url, headers=HTML).status_code == 200
    listed = soup(web.get("settings")).select("#share-links tbody tr")
    assert [tr.find("td").get_text() for tr in listed] == ["Scorecard: Exports break"]
    assert url not in web.get("settings").text  # shown once
    link_id = api.ok(api.get("share-links"))[0]["id"]
    assert web.post(f"settings/share-links/{link_id}/revoke").is_redirect
    assert stranger.get(url, headers=HTML).status_code == 404
    bad = web.post("settings/share-links", {"shared": "nothing"})
    assert bad.status_code == 422
    assert "Choose a scorecard" in soup(bad).find(id="shared-error").get_text()

"""Settings: members, segments, thresholds and tokens."""

from tests.factories import Api
from tests.web.conftest import Web, member_browser, soup


def test_token_is_shown_once(web: Web) -> None:
    response = web.post("settings/tokens", {"token_name": "laptop CLI"})
    token = soup(response).find(id="new-token")["value"]
    assert token.startswith("evd_")
    assert web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).is_success
    later = web.get("settings").text
    assert token not in later and "laptop CLI" in later


def test_segment_add_resize_delete_and_restore(api: Api, web: Web) -> None:
    assert web.post("settings/segments", {"segment_name": "SMB", "segment_size": "300"}).is_redirect
    segment = api.ok(api.get("segments"))["items"][0]
    assert web.post(f"settings/segments/{segment['id']}", {"version": 1, "size": "500"}).is_redirect
    assert api.ok(api.get(f"segments/{segment['id']}"))["size"] == 500
    deleted = web.post(f"settings/segments/{segment['id']}/delete")
    notice = soup(web.get(deleted.headers["location"])).find(class_="notice")
    assert "SMB" in notice.get_text()
    assert web.post(f"settings/segments/{segment['id']}/restore").is_redirect
    assert api.ok(api.get("segments"))["total"] == 1


def test_thresholds_and_members(api: Api, web: Web) -> None:
    assert web.post(
        "settings/scoring",
        {
            "version": 1,
            "pain_threshold": "55",
            "reach_threshold": "25",
            "feasibility_threshold": "50",
            "min_participants": "4",
        },
    ).is_redirect
    assert api.ok(api.get("settings/scoring"))["pain_threshold"] == 55
    api.register(api.client, "carol@example.com")
    known = web.post(
        "settings/members", {"member_email": "carol@example.com", "member_role": "contributor"}
    )
    unknown = web.post(
        "settings/members", {"member_email": "cecil@example.com", "member_role": "contributor"}
    )
    # The same answer either way, so the page cannot tell who has an account.
    assert known.status_code == unknown.status_code == 200
    notices = [soup(r).find(id="member-notice").get_text().strip() for r in (known, unknown)]
    assert notices[0] == (
        "If carol@example.com has an Evident account, they now have access to Acme as "
        "contributor. If not, nothing changed: ask whoever runs Evident to create their "
        "account (`evident create-user`), then add them again."
    )
    assert notices[1] == notices[0].replace("carol", "cecil")
    # The admin sees who has access in the member list.
    rows = soup(unknown).select("#members tbody tr")
    assert [tr.find_all("td")[1].get_text() for tr in rows] == [
        "ada@example.com",
        "carol@example.com",
    ]
    bad = web.post("settings/members", {"member_email": "not an email", "member_role": "viewer"})
    assert bad.status_code == 422
    assert "Enter an email address" in soup(bad).find(id="member_email-error").get_text()
    again = web.post("settings/members", {"member_email": "carol@example.com"})
    assert again.status_code == 422
    assert "already a member" in soup(again).find(id="member_email-error").get_text()


def test_viewer_sees_settings_but_cannot_change_them(api: Api) -> None:
    viewer = member_browser(api, "vic@example.com", "viewer")
    page = soup(viewer.get("settings"))
    assert page.find("form", action="/w/acme/settings/scoring") is None
    assert viewer.post("settings/segments", {"segment_name": "Nope"}).status_code == 403

"""Settings: members, segments, thresholds and tokens."""

from fastapi.testclient import TestClient

from tests.factories import Api
from tests.pages import Web, csrf_of, member_browser, soup


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
        "settings/invitations", {"invite_email": "carol@example.com", "invite_role": "contributor"}
    )
    unknown = web.post(
        "settings/invitations", {"invite_email": "cecil@example.com", "invite_role": "contributor"}
    )
    # The same answer either way, so the page cannot tell who has an account.
    assert known.status_code == unknown.status_code == 200
    notices = [soup(r).find(id="invitation-notice").find("p").get_text() for r in (known, unknown)]
    assert notices[0] == (
        "Invitation for carol@example.com as contributor is ready. This server sends no email, "
        "so copy the link and send it yourself. It works once, until "
        + notices[0].rsplit("until ", 1)[1]
    )
    assert notices[1] == notices[0].replace("carol", "cecil")
    # Neither is a member before accepting; both are pending.
    page = soup(unknown)
    assert [tr.find_all("td")[1].get_text() for tr in page.select("#members tbody tr")] == [
        "ada@example.com"
    ]
    pending = [li.find("strong").get_text() for li in page.select("#invitations ul.invitations li")]
    assert pending == ["cecil@example.com", "carol@example.com"]
    bad = web.post("settings/invitations", {"invite_email": "not an email"})
    assert bad.status_code == 422
    assert "Enter an email address" in soup(bad).find(id="invite_email-error").get_text()
    again = web.post("settings/invitations", {"invite_email": "ada@example.com"})
    assert again.status_code == 422
    assert "already a member" in soup(again).find(id="invite_email-error").get_text()


def test_viewer_sees_settings_but_cannot_change_them(api: Api) -> None:
    viewer = member_browser(api, "vic@example.com", "viewer")
    page = soup(viewer.get("settings"))
    assert page.find("form", action="/w/acme/settings/scoring") is None
    assert viewer.post("settings/segments", {"segment_name": "Nope"}).status_code == 403


def role_form_version(web: Web, user_id: int) -> str:
    form = soup(web.get("settings")).find("form", action=f"/w/acme/settings/members/{user_id}/role")
    return str(form.find("input", attrs={"name": "version"})["value"])


def test_last_admin_cannot_step_down_or_be_removed_on_the_page(api: Api, web: Web) -> None:
    version = role_form_version(web, api.user_id)
    demoted = web.post(
        f"settings/members/{api.user_id}/role", {"role": "viewer", "version": version}
    )
    assert demoted.status_code == 409
    assert "last admin" in soup(demoted).find(role="alert").get_text()
    removed = web.post(f"settings/members/{api.user_id}/remove")
    assert removed.status_code == 409
    assert "last admin" in soup(removed).find(role="alert").get_text()
    assert [m["role"] for m in api.ok(api.get("members"))] == ["admin"]


def test_a_refused_inline_role_change_shows_the_role_kept_and_why(api: Api, web: Web) -> None:
    version = role_form_version(web, api.user_id)
    row = web.post(
        f"settings/members/{api.user_id}/role",
        {"role": "viewer", "version": version},
        headers={"HX-Request": "true", "HX-Target": f"member-{api.user_id}"},
    )
    assert row.status_code == 200  # the row is swapped back in place
    page = soup(row)
    assert page.find("option", selected=True)["value"] == "admin"
    assert "Not changed" in page.find(role="alert").get_text()
    assert "last admin" in page.find(role="alert").get_text()


def test_role_change_on_the_page_is_made_against_the_version_shown(api: Api, web: Web) -> None:
    carol = api.as_member("carol@example.com", "viewer")
    shown = role_form_version(web, carol.user_id)
    change = {"role": "decider", "version": shown}
    assert web.post(f"settings/members/{carol.user_id}/role", change).is_redirect
    assert role_form_version(web, carol.user_id) == str(int(shown) + 1)

    # A second tab still showing the old version does not overwrite the change.
    stale = web.post(f"settings/members/{carol.user_id}/role", {"role": "viewer", "version": shown})
    assert stale.status_code == 409
    assert "Someone else changed this" in soup(stale).find(role="alert").get_text()
    missing = web.post(f"settings/members/{carol.user_id}/role", {"role": "viewer"})
    assert missing.status_code == 422
    roles = {m["user"]["id"]: m["role"] for m in api.ok(api.get("members"))}
    assert roles[carol.user_id] == "decider"


def test_thresholds_saved_from_an_old_page_are_refused_then_can_be_applied(
    api: Api, web: Web
) -> None:
    def thresholds(version: str, pain: str) -> dict[str, str]:
        return {
            "version": version,
            "pain_threshold": pain,
            "reach_threshold": "20",
            "feasibility_threshold": "50",
            "min_participants": "5",
        }

    form = soup(web.get("settings")).find("form", action="/w/acme/settings/scoring")
    shown = str(form.find("input", attrs={"name": "version"})["value"])
    assert web.post("settings/scoring", thresholds(shown, "55")).is_redirect

    stale = web.post("settings/scoring", thresholds(shown, "70"))
    assert stale.status_code == 409
    page = soup(stale)
    assert "Someone else changed this" in page.find(class_="form-error").get_text()
    assert api.ok(api.get("settings/scoring"))["pain_threshold"] == 55
    # Both versions side by side, in words, with a choice.
    form = page.find("form", action="/w/acme/settings/scoring")
    rows = {
        row.th.get_text(): [td.get_text() for td in row.find_all("td")]
        for row in form.find("aside", class_="stale-compare").tbody("tr")
    }
    assert rows == {"Pain depth at least": ["70", "55"]}
    assert form.find("button", string="Save my version") is not None
    assert form.find("a", string="Take theirs")["href"] == "/w/acme/settings#scoring"
    # The form keeps what was typed, now against the current version: sending it again applies it.
    assert form.find("input", attrs={"name": "pain_threshold"})["value"] == "70"
    current = str(form.find("input", attrs={"name": "version"})["value"])
    assert current == str(int(shown) + 1)
    assert web.post("settings/scoring", thresholds(current, "70")).is_redirect
    assert api.ok(api.get("settings/scoring"))["pain_threshold"] == 70


def test_a_stale_segment_size_shows_both_versions_and_can_be_saved(api: Api, web: Web) -> None:
    assert web.post("settings/segments", {"segment_name": "SMB", "segment_size": "300"}).is_redirect
    segment = api.ok(api.get("segments"))["items"][0]
    row = soup(web.get("settings")).find(
        "form", action=f"/w/acme/settings/segments/{segment['id']}"
    )
    shown = str(row.find("input", attrs={"name": "version"})["value"])
    api.ok(api.patch(f"segments/{segment['id']}", json={"version": int(shown), "size": 450}))

    stale = web.post(f"settings/segments/{segment['id']}", {"version": shown, "size": "500"})

    assert stale.status_code == 409
    box = soup(stale).find(id="segment-stale")
    assert "Someone else changed this segment" in box.find(class_="form-error").get_text()
    rows = {
        row.th.get_text(): [td.get_text() for td in row.find_all("td")]
        for row in box.find("aside", class_="stale-compare").tbody("tr")
    }
    assert rows == {"Size (accounts or customers)": ["500", "450"]}
    form = box.find("form", action=f"/w/acme/settings/segments/{segment['id']}")
    assert form.find("input", attrs={"name": "size"})["value"] == "500"
    current = str(form.find("input", attrs={"name": "version"})["value"])
    assert current == str(int(shown) + 1)
    assert form.find("a", string="Take theirs")["href"] == "/w/acme/settings#segments"
    assert api.ok(api.get(f"segments/{segment['id']}"))["size"] == 450

    again = web.post(f"settings/segments/{segment['id']}", {"version": current, "size": "500"})
    assert again.is_redirect
    assert api.ok(api.get(f"segments/{segment['id']}"))["size"] == 500


def test_an_invitation_is_accepted_on_its_page_and_signs_in(api: Api, web: Web) -> None:
    sent = web.post(
        "settings/invitations", {"invite_email": "kim@example.com", "invite_role": "decider"}
    )
    link = soup(sent).find(id="invitation-link")["value"].removeprefix("http://testserver")
    invitee = Web(TestClient(api.client.app), api.ws)
    page = invitee.get(link)
    assert (
        "ada (ada@example.com) invited kim@example.com to join as decider" in soup(page).get_text()
    )
    form = soup(page).find("form", action=link)
    assert form.find(id="invited-email")["value"] == "kim@example.com"
    weak = invitee.post(link, {"csrf_token": csrf_of(page), "name": "Kim", "password": "password1"})
    assert weak.status_code == 422
    assert "Too easy to guess" in soup(weak).find(id="password-error").get_text()
    joined = invitee.post(
        link, {"csrf_token": csrf_of(page), "name": "Kim", "password": "violet kettle harbour"}
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/w/acme"
    assert "Kim" in invitee.get("settings").text
    used = invitee.get(link)
    assert used.status_code == 404 and "already accepted" in used.text


def test_roles_change_inline_and_people_who_left_keep_their_name(api: Api, web: Web) -> None:
    carol = api.as_member("carol@example.com", "viewer")
    version = role_form_version(web, carol.user_id)
    row = web.post(
        f"settings/members/{carol.user_id}/role",
        {"role": "contributor", "version": version},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200
    cells = soup(row).find("tr", id=f"member-{carol.user_id}")
    assert "Saved: now contributor" in cells.get_text()
    assert cells.find("input", attrs={"name": "version"})["value"] == str(int(version) + 1)
    carol.ok(carol.post("problems", json={"title": "Carol's problem"}), 201)
    assert web.post(f"settings/members/{carol.user_id}/remove").is_redirect
    left = soup(web.get("settings")).find(id="former-members")
    assert "carol (carol@example.com), left" in left.get_text()
    made = api.ok(api.get("audit", params={"entity": "problem", "actor_id": carol.user_id}))
    assert made["items"][0]["actor_name"] == "carol"


def test_pending_invitations_are_listed_a_page_at_a_time(api: Api, web: Web) -> None:
    for i in range(27):
        invite = {"email": f"p{i:02d}@example.com", "role": "viewer"}
        api.ok(api.post("invitations", json=invite), 201)
    first = soup(web.get("settings")).find(id="invitations")
    assert len(first.find("ul", class_="invitations").find_all("li")) == 25
    pager = first.find("nav", class_="pager")
    assert "1\u201325 of 27" in pager.get_text()
    second = soup(web.get("settings?invitations_offset=25")).find(id="invitations")
    emails = [li.strong.get_text() for li in second.find("ul", class_="invitations")("li")]
    assert emails == ["p01@example.com", "p00@example.com"]  # the oldest, on the last page

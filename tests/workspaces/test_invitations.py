"""Invitations: emailed through a real SMTP server, followed, accepted; the same answer whether
or not the email has an account; resend, revoke, expiry; sign-up by email domain."""

import logging
from datetime import timedelta
from typing import Any

import pytest

from app.config import Settings
from app.workspaces import invitations
from tests.factories import PASSWORD, Api
from tests.helpers import assert_error
from tests.mailbox import Mailbox, free_port
from tests.pages import HTML, csrf_of, soup

NEW_PASSWORD = "violet kettle harbour"


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def accept(api: Api, token: str, **body: Any) -> Any:
    return api.client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": PASSWORD} | body
    )


def test_invite_mail_accept_and_signed_in_with_the_role(api: Api, mailbox: Mailbox) -> None:
    sent = api.ok(
        api.post("invitations", json={"email": "Carol@Example.com", "role": "decider"}), 201
    )
    assert sent["emailed"] is True and sent["link"] is None  # the link went by mail only
    message = mailbox.last_to("carol@example.com")
    assert message["Subject"] == "Join Acme on Evident"
    link = mailbox.link_in(message)
    assert "ada@example.com" in mailbox.body(message)

    page = api.client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and "Create account and join" in page.text

    answer = accept(api, token_of(link), name="Carol", password=NEW_PASSWORD)
    token = answer.json()["access_token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["name"], [(w["slug"], w["role"]) for w in me["workspaces"]]) == (
        "Carol",
        [("acme", "decider")],
    )
    accepted = api.ok(api.get("audit", params={"entity": "invitation", "action": "accept"}))
    event = next(e for e in accepted["items"] if e["action"] == "accept")
    assert (event["actor_name"], event["after"]["email"]) == ("Carol", "carol@example.com")
    assert "token_hash" not in event["after"]
    # Single use.
    assert_error(accept(api, token_of(link)), 404, "invitation_used")
    assert api.ok(api.get("invitations")) == []


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    api: Api, mailbox: Mailbox
) -> None:
    api.register(api.client, "bob@example.com", name="Bob")
    known = api.ok(api.post("invitations", json={"email": "bob@example.com"}), 201)
    unknown = api.ok(api.post("invitations", json={"email": "ben@example.com"}), 201)
    shape = {
        k: v
        for k, v in known.items()
        if k not in ("id", "email", "created_at", "expires_at", "sent_at")
    }
    assert shape == {k: v for k, v in unknown.items() if k in shape}
    # Neither is a member until they accept.
    emails = [m["user"]["email"] for m in api.ok(api.get("members"))]
    assert emails == ["ada@example.com"]
    # The existing account joins with its own password (a wrong one is refused and counted).
    link = mailbox.link_in(mailbox.last_to("bob@example.com"))
    assert_error(accept(api, token_of(link), password="wrong password here"), 401)
    token = accept(api, token_of(link)).json()["access_token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(w["slug"], w["role"]) for w in me["workspaces"]] == [("acme", "viewer")]


def test_without_a_mail_server_the_link_is_given_to_the_admin_and_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="evident.mail"):
        sent = api.ok(api.post("invitations", json={"email": "dan@example.com"}), 201)
    assert sent["emailed"] is False and sent["mail_error"] is None
    assert sent["link"].startswith("http://testserver/invitations/")
    assert sent["link"] in caplog.text
    assert api.client.get(sent["link"].removeprefix("http://testserver")).status_code == 200


def test_a_mail_failure_is_answered_with_the_link(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "smtp_url", f"smtp://127.0.0.1:{free_port()}")
    sent = api.ok(api.post("invitations", json={"email": "eve@example.com"}), 201)
    assert sent["emailed"] is False
    assert "refused the connection" in sent["mail_error"]
    assert sent["link"].startswith("http://testserver/invitations/")


def test_resend_replaces_the_link_and_revoke_withdraws_it(api: Api, mailbox: Mailbox) -> None:
    first = api.ok(api.post("invitations", json={"email": "fay@example.com"}), 201)
    old = token_of(mailbox.link_in(mailbox.last_to("fay@example.com")))
    api.ok(api.post(f"invitations/{first['id']}/resend"))
    new = token_of(mailbox.link_in(mailbox.last_to("fay@example.com")))
    assert len(mailbox.to("fay@example.com")) == 2 and new != old
    assert_error(accept(api, old), 404, "invitation_invalid")
    assert api.delete(f"invitations/{first['id']}").status_code == 204
    assert_error(accept(api, new), 404, "invitation_invalid")
    assert api.ok(api.get("invitations")) == []
    actions = [
        e["action"] for e in api.ok(api.get("audit", params={"entity": "invitation"}))["items"]
    ]
    assert actions == ["revoke", "resend", "invite"]


def test_an_expired_or_forged_link_is_refused(
    api: Api, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.ok(api.post("invitations", json={"email": "gus@example.com"}), 201)
    token = token_of(mailbox.link_in(mailbox.last_to("gus@example.com")))
    later = invitations.utcnow() + timedelta(days=8)
    monkeypatch.setattr(invitations, "utcnow", lambda: later)
    assert_error(accept(api, token), 404, "invitation_expired")
    value, _, signature = token.partition(".")
    assert_error(accept(api, f"{value}.{signature[::-1]}"), 404, "invitation_invalid")


def test_only_admins_invite_and_members_are_not_invited_twice(api: Api) -> None:
    viewer = api.as_member("vic@example.com", "viewer")
    assert_error(viewer.post("invitations", json={"email": "x@example.com"}), 403)
    assert_error(api.post("invitations", json={"email": "vic@example.com"}), 409, "already_member")


def test_an_allowed_domain_signs_up_without_an_invitation(api: Api, mailbox: Mailbox) -> None:
    domain = {"version": 1, "signup_domain": "@Example.org", "signup_role": "contributor"}
    assert api.ok(api.patch("settings/signup", json=domain))["signup_domain"] == "example.org"
    # Through the page: the link comes by mail.
    form = api.client.get("/signup", headers=HTML)
    sent = api.client.post(
        "/signup", data={"email": "hal@example.org", "csrf_token": csrf_of(form)}, headers=HTML
    )
    assert sent.status_code == 200 and "We sent a link to hal@example.org" in sent.text
    token = token_of(mailbox.link_in(mailbox.last_to("hal@example.org")))
    answer = accept(api, token, name="Hal", password=NEW_PASSWORD).json()
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {answer['access_token']}"})
    assert [(w["slug"], w["role"]) for w in me.json()["workspaces"]] == [("acme", "contributor")]
    # Again, now that the address has an account: the same answer, and a mail saying so.
    again = api.client.post(
        "/signup", data={"email": "hal@example.org", "csrf_token": csrf_of(form)}, headers=HTML
    )
    assert (
        soup(again).find(id="signup-notice").get_text()
        == soup(sent).find(id="signup-notice").get_text()
    )
    assert "already has an account" in mailbox.body(mailbox.last_to("hal@example.org"))
    refused = api.client.post(
        "/signup", data={"email": "ivy@elsewhere.com", "csrf_token": csrf_of(form)}, headers=HTML
    )
    assert refused.status_code == 422 and "Sign-up is by invitation" in refused.text
    assert mailbox.to("ivy@elsewhere.com") == []


def test_a_new_account_needs_a_password_that_is_hard_to_guess(api: Api, mailbox: Mailbox) -> None:
    api.ok(api.post("invitations", json={"email": "jo@example.com"}), 201)
    token = token_of(mailbox.link_in(mailbox.last_to("jo@example.com")))
    weak = assert_error(accept(api, token, name="Jo", password="password1"), 422, "invalid_input")
    assert weak["message"].startswith("password: Too easy to guess"), weak
    assert accept(api, token, name="Jo", password=NEW_PASSWORD).status_code == 200


def test_sign_up_mail_is_throttled_like_sign_in(api: Api, mailbox: Mailbox) -> None:
    api.ok(api.patch("settings/signup", json={"version": 1, "signup_domain": "example.org"}))
    form = api.client.get("/signup", headers=HTML)
    answers = [
        api.client.post(
            "/signup", data={"email": "max@example.org", "csrf_token": csrf_of(form)}, headers=HTML
        )
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "Too many emails asked for this address" in answers[-1].text
    assert len(mailbox.to("max@example.org")) == 5

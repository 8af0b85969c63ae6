"""Password reset: the same answer for any email, a single-use link by mail, every other
session signed out, throttled like sign-in."""

from fastapi.testclient import TestClient

from tests.factories import Api
from tests.helpers import assert_error
from tests.mailbox import Mailbox
from tests.pages import HTML, csrf_of, soup

NEW_PASSWORD = "violet kettle harbour"
RESET = "/api/v1/auth/password-reset"


def test_reset_by_mail_signs_out_every_other_session(api: Api, mailbox: Mailbox) -> None:
    known = api.client.post(RESET, json={"email": "ada@example.com"})
    unknown = api.client.post(RESET, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json()["message"] == unknown.json()["message"].replace("nobody", "ada")
    assert known.json()["emailed"] is unknown.json()["emailed"] is True
    # Each address gets one message; only the account's holds a reset link.
    assert "no Evident account uses it" in mailbox.body(mailbox.last_to("nobody@example.com"))
    token = mailbox.link_in(mailbox.last_to("ada@example.com")).rsplit("/", 1)[1]

    confirm = api.client.post(f"{RESET}/confirm", json={"token": token, "password": NEW_PASSWORD})
    new_session = confirm.json()["access_token"]
    assert_error(api.get("problems"), 401)  # the old session is signed out
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_session}"})
    assert me.status_code == 200
    assert Api.sign_in(api.client, "ada@example.com", NEW_PASSWORD)
    again = api.client.post(f"{RESET}/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert_error(again, 404, "reset_invalid")


def test_a_weak_new_password_is_refused_and_the_link_still_works(
    api: Api, mailbox: Mailbox
) -> None:
    api.client.post(RESET, json={"email": "ada@example.com"})
    token = mailbox.link_in(mailbox.last_to("ada@example.com")).rsplit("/", 1)[1]
    weak = api.client.post(f"{RESET}/confirm", json={"token": token, "password": "password1"})
    assert_error(weak, 422)
    assert api.get("problems").status_code == 200
    ok = api.client.post(f"{RESET}/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert ok.status_code == 200


def test_resets_are_throttled_alike_for_known_and_unknown_emails(api: Api) -> None:
    for email in ("ada@example.com", "nobody@example.com"):
        answers = [api.client.post(RESET, json={"email": email}).status_code for _ in range(6)]
        assert answers == [202] * 5 + [429], email


def test_the_reset_pages(api: Api, mailbox: Mailbox) -> None:
    browser = TestClient(api.client.app)
    form = browser.get("/forgot", headers=HTML)
    sent = browser.post(
        "/forgot", data={"email": "ada@example.com", "csrf_token": csrf_of(form)}, headers=HTML
    )
    assert "If an Evident account uses ada@example.com" in soup(sent).find(id="reset-notice").text
    link = mailbox.link_in(mailbox.last_to("ada@example.com")).removeprefix("http://testserver")
    page = browser.get(link, headers=HTML)
    done = browser.post(
        link,
        data={"password": NEW_PASSWORD, "csrf_token": csrf_of(page)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303 and browser.cookies.get("evident_session")
    assert_error(api.get("problems"), 401)
    assert "does not work any more" in browser.get(link, headers=HTML).text

"""Single sign-on against a real OpenID Connect provider started in the test process."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from oidc_provider_mock import User, run_server_in_thread

from app.config import Settings
from tests.factories import Api
from tests.mailbox import free_port
from tests.pages import HTML, soup

PEOPLE = [
    User(sub="ada", claims={"email": "ada@example.com", "email_verified": True, "name": "Ada"}),
    User(sub="liz", claims={"email": "liz@example.org", "email_verified": True, "name": "Liz"}),
    User(sub="zed", claims={"email": "zed@example.com", "email_verified": False}),
]


@pytest.fixture
def provider(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with run_server_in_thread(user_claims=PEOPLE, require_nonce=True) as server:
        issuer = f"http://localhost:{server.server_port}"
        monkeypatch.setattr(settings, "oidc_issuer", issuer)
        monkeypatch.setattr(settings, "oidc_client_id", "evident")
        monkeypatch.setattr(settings, "oidc_client_secret", "evident-secret")
        yield issuer


def sign_in_as(client: TestClient, sub: str, next_path: str = "") -> Any:
    """Click the button, choose the person at the provider, come back."""
    start = client.get(
        "/signin/sso" + (f"?next={next_path}" if next_path else ""), follow_redirects=False
    )
    assert start.status_code == 303, start.text
    chosen = requests.post(
        start.headers["location"], data={"sub": sub}, allow_redirects=False, timeout=10
    )
    assert chosen.status_code == 302, chosen.text
    back = chosen.headers["location"].removeprefix("http://testserver")
    assert back.startswith("/signin/sso/callback?")
    return client.get(back, headers=HTML, follow_redirects=False)


def test_an_existing_account_signs_in_with_the_provider(api: Api, provider: str) -> None:
    browser = TestClient(api.client.app)
    assert "Sign in with single sign-on" in browser.get("/signin", headers=HTML).text
    done = sign_in_as(browser, "ada", "/w/acme/settings")
    assert done.status_code == 303 and done.headers["location"] == "/w/acme/settings"
    assert browser.get("/w/acme/settings", headers=HTML).status_code == 200
    # The security headers still hold on the way.
    assert "default-src 'self'" in done.headers["Content-Security-Policy"]


def test_an_allowed_domain_joins_just_in_time_with_the_default_role(
    api: Api, provider: str
) -> None:
    domain = {"version": 1, "signup_domain": "example.org", "signup_role": "contributor"}
    api.ok(api.patch("settings/signup", json=domain))
    browser = TestClient(api.client.app)
    assert sign_in_as(browser, "liz").status_code == 303
    members = {m["user"]["email"]: m["role"] for m in api.ok(api.get("members"))}
    assert members["liz@example.org"] == "contributor"
    joined = api.ok(api.get("audit", params={"entity": "membership"}))["items"][0]
    assert (joined["action"], joined["actor_name"]) == ("join", "Liz")


def test_strangers_and_unverified_emails_are_refused(api: Api, provider: str) -> None:
    browser = TestClient(api.client.app)
    refused = sign_in_as(browser, "liz")  # example.org is not open here
    assert refused.status_code == 401
    assert "Ask your team's admin to invite you" in soup(refused).find(role="alert").text.replace(
        "ask", "Ask"
    )
    unverified = sign_in_as(browser, "zed")
    assert unverified.status_code == 401 and "did not confirm your email" in unverified.text
    assert "evident_session" not in browser.cookies


def test_a_forged_or_replayed_callback_is_refused(api: Api, provider: str) -> None:
    browser = TestClient(api.client.app)
    start = browser.get("/signin/sso", follow_redirects=False)
    chosen = requests.post(
        start.headers["location"], data={"sub": "ada"}, allow_redirects=False, timeout=10
    )
    back = chosen.headers["location"].removeprefix("http://testserver")
    stranger = TestClient(api.client.app)  # without the attempt's cookie
    assert stranger.get(back, headers=HTML, follow_redirects=False).status_code == 401
    assert browser.get(back, headers=HTML, follow_redirects=False).status_code == 303


def test_a_provider_that_does_not_answer_is_explained_on_the_sign_in_page(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "oidc_issuer", f"http://localhost:{free_port()}")
    monkeypatch.setattr(settings, "oidc_client_id", "evident")
    answer = TestClient(api.client.app).get("/signin/sso", headers=HTML, follow_redirects=False)
    assert answer.status_code == 401
    assert "Single sign-on is unavailable" in soup(answer).find(role="alert").get_text()


def test_without_settings_there_is_no_single_sign_on(api: Api) -> None:
    browser = TestClient(api.client.app)
    assert "Sign in with" not in browser.get("/signin", headers=HTML).text
    assert browser.get("/signin/sso", headers=HTML).status_code == 404

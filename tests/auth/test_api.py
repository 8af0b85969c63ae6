"""Sign-in, the current user, personal tokens, and the 401 every route answers without one."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.models import ApiToken
from app.auth.service import hash_token
from app.db import utcnow
from tests.conftest import Clock
from tests.factories import PASSWORD, Api
from tests.helpers import assert_error

TOKEN_URL = "/api/v1/auth/token"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthenticated(response: Any) -> None:
    assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_sign_in_with_the_right_password_gives_a_working_bearer_token(client: TestClient) -> None:
    Api.register(client, "grace@example.com")
    response = client.post(TOKEN_URL, data={"username": "grace@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.com"


def test_sign_in_ignores_email_case_and_spaces(client: TestClient) -> None:
    Api.register(client, "grace@example.com")
    response = client.post(
        TOKEN_URL, data={"username": "  Grace@Example.COM ", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("grace@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_sign_in_with_bad_credentials_is_401_with_the_same_message(
    client: TestClient, username: str, password: str
) -> None:
    Api.register(client, "grace@example.com")
    response = client.post(TOKEN_URL, data={"username": username, "password": password})
    assert_unauthenticated(response)
    assert response.json()["error"]["message"] == "Wrong email or password."


def test_sign_in_without_the_form_fields_is_422(client: TestClient) -> None:
    error = assert_error(client.post(TOKEN_URL, data={"username": "a@example.com"}), 422)
    assert "body.password" in [d["field"] for d in error["details"]]


def test_me_lists_the_workspaces_with_the_role_in_each(api: Api) -> None:
    other = Api.signed_up(api.client, email="bob@example.com", workspace="bobs")
    api.register(api.client, "carol@example.com")
    api.ok(api.post("members", json={"email": "carol@example.com", "role": "viewer"}), 202)
    other.ok(other.post("members", json={"email": "carol@example.com", "role": "decider"}), 202)
    carol = Api.sign_in(api.client, "carol@example.com")

    me = api.client.get("/api/v1/me", headers=bearer(carol)).json()

    assert me["email"] == "carol@example.com"
    assert me["name"] == "carol"
    roles = {ws["slug"]: ws["role"] for ws in me["workspaces"]}
    assert roles == {"acme": "viewer", "bobs": "decider"}
    assert "password_hash" not in me


def test_personal_token_is_shown_once_works_as_bearer_and_is_listed(api: Api) -> None:
    created = api.client.post("/api/v1/tokens", headers=api.headers, json={"name": "laptop"})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["name"] == "laptop"
    assert token["kind"] == "personal"
    assert token["expires_at"] is None
    assert token["token"].startswith(token["prefix"])

    me = api.client.get("/api/v1/me", headers=bearer(token["token"]))
    assert me.status_code == 200
    assert me.json()["id"] == api.user_id

    listed = api.client.get("/api/v1/tokens", headers=api.headers).json()
    assert [(t["id"], t["name"]) for t in listed] == [(token["id"], "laptop")]
    assert "token" not in listed[0]  # the plain value is never shown again
    assert "token_hash" not in listed[0]


def test_personal_tokens_do_not_include_sign_in_tokens_or_other_users_tokens(api: Api) -> None:
    other = Api.signed_up(api.client, email="bob@example.com")
    api.client.post("/api/v1/tokens", headers=other.headers, json={"name": "bob's"})
    assert api.client.get("/api/v1/tokens", headers=api.headers).json() == []


def test_revoked_personal_token_is_401(api: Api) -> None:
    token = api.client.post("/api/v1/tokens", headers=api.headers, json={"name": "ci"}).json()
    response = api.client.delete(f"/api/v1/tokens/{token['id']}", headers=api.headers)
    assert response.status_code == 204

    assert_unauthenticated(api.client.get("/api/v1/me", headers=bearer(token["token"])))
    assert api.client.get("/api/v1/tokens", headers=api.headers).json() == []
    # Revoking twice, or someone else's token, is not found.
    again = api.client.delete(f"/api/v1/tokens/{token['id']}", headers=api.headers)
    assert_error(again, 404, "not_found")


def test_cannot_revoke_another_users_token(api: Api) -> None:
    other = Api.signed_up(api.client, email="bob@example.com")
    token = api.client.post("/api/v1/tokens", headers=other.headers, json={"name": "b"}).json()
    response = api.client.delete(f"/api/v1/tokens/{token['id']}", headers=api.headers)
    assert_error(response, 404, "not_found")
    assert api.client.get("/api/v1/me", headers=bearer(token["token"])).status_code == 200


def test_token_name_is_required(api: Api) -> None:
    response = api.client.post("/api/v1/tokens", headers=api.headers, json={"name": ""})
    error = assert_error(response, 422, "invalid_input")
    assert [d["field"] for d in error["details"]] == ["body.name"]


def test_expired_sign_in_token_is_401(api: Api, session: Session) -> None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(api.token))).one()
    assert row.kind == "session"
    assert row.expires_at is not None and row.expires_at > utcnow() + timedelta(days=13)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()

    assert_unauthenticated(api.client.get("/api/v1/me", headers=api.headers))


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer evd_" + "x" * 43, "Bearer ", "Basic dXNlcjpwYXNz", "garbage"],
)
def test_garbage_authorization_is_401(api: Api, header: str) -> None:
    assert_unauthenticated(api.client.get("/api/v1/me", headers={"Authorization": header}))


def test_inactive_user_is_401(api: Api, session: Session) -> None:
    from app.auth.models import User

    user = session.get(User, api.user_id)
    assert user is not None
    user.is_active = False
    session.add(user)
    session.commit()

    assert_unauthenticated(api.client.get("/api/v1/me", headers=api.headers))
    response = api.client.post(
        TOKEN_URL, data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert_unauthenticated(response)


def _public_routes(client: TestClient) -> list[tuple[str, str]]:
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if path not in ANONYMOUS
    ]


# Routes for people without an account yet: the link they hold is their credential.
ANONYMOUS = {
    TOKEN_URL,
    "/api/v1/auth/invitations/accept",
    "/api/v1/auth/password-reset",
    "/api/v1/auth/password-reset/confirm",
}


def test_every_route_but_sign_in_needs_a_token(api: Api) -> None:
    """Walks the OpenAPI document, so a new route is covered the day it is added."""
    problem = api.problem()
    routes = _public_routes(api.client)
    assert len(routes) > 40
    for method, path in routes:
        url = re.sub(r"{\w+}", str(problem["id"]), path.replace("{ws}", api.ws))
        for headers in ({}, bearer("evd_wrong")):
            response = api.client.request(method, url, headers=headers)
            assert response.status_code == 401, f"{method} {path}: {response.text}"
            assert response.json()["error"]["code"] == "not_authenticated"
            assert response.headers["WWW-Authenticate"] == "Bearer"


def test_session_cookie_reads_freely_but_writes_need_the_csrf_token(api: Api) -> None:
    import hashlib
    import hmac

    client = api.client
    client.cookies.set("evident_session", api.token)
    try:
        assert client.get("/api/v1/me").json()["id"] == api.user_id
        body = {"title": "From the browser"}
        refused = client.post(api.url("problems"), json=body)
        assert_error(refused, 403, "csrf")
        wrong = client.post(api.url("problems"), json=body, headers={"X-CSRF-Token": "0" * 64})
        assert_error(wrong, 403, "csrf")
        csrf = hmac.new(b"test-secret", api.token.encode(), hashlib.sha256).hexdigest()
        created = client.post(api.url("problems"), json=body, headers={"X-CSRF-Token": csrf})
        assert created.status_code == 201, created.text
    finally:
        client.cookies.clear()
    # A bearer token needs no CSRF token: it is never sent by a browser on its own.
    assert api.post("problems", json={"title": "From a script"}).status_code == 201


# ---- failed sign-ins are limited per account and per address ----------------------------------

ACCOUNT_LIMIT = 5  # the defaults: EVIDENT_SIGN_IN_FAILURES_PER_ACCOUNT, ..._PER_ADDRESS
ADDRESS_LIMIT = 20
WINDOW_SECONDS = 15 * 60


def from_address(client: TestClient, address: str) -> TestClient:
    """The same app, reached from another client address."""
    return TestClient(client.app, client=(address, 50000))


def attempt(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN_URL, data={"username": email, "password": password})


def assert_held(response: Any) -> int:
    """A 429 that says, in seconds, when to try again; returns those seconds."""
    error = assert_error(response, 429, "too_many_requests")
    assert "Too many failed sign-ins" in error["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= WINDOW_SECONDS
    return retry_after


def test_the_sixth_attempt_at_an_account_is_held_even_with_the_right_password(
    client: TestClient, clock: Clock
) -> None:
    Api.register(client, "grace@example.com")
    for _ in range(ACCOUNT_LIMIT):
        assert_unauthenticated(attempt(client, "grace@example.com", "wrong password"))
        clock.advance(seconds=10)

    held = attempt(client, "grace@example.com", PASSWORD)

    # The first failure expires 15 minutes after it happened, 50 seconds ago.
    assert assert_held(held) == WINDOW_SECONDS - 50
    assert "access_token" not in held.text


def test_the_account_limit_holds_whatever_address_the_guesses_come_from(
    client: TestClient, clock: Clock
) -> None:
    Api.register(client, "grace@example.com")
    for n in range(ACCOUNT_LIMIT):
        guesser = from_address(client, f"203.0.113.{n}")
        assert_unauthenticated(attempt(guesser, "grace@example.com", f"guess {n}"))

    assert_held(attempt(from_address(client, "198.51.100.7"), "grace@example.com", PASSWORD))
    # Other accounts are not held, from any of those addresses.
    Api.register(client, "hopper@example.com")
    assert attempt(from_address(client, "203.0.113.0"), "hopper@example.com", PASSWORD).is_success


def test_one_address_guessing_at_many_accounts_is_held(client: TestClient, clock: Clock) -> None:
    Api.register(client, "grace@example.com")
    guesser = from_address(client, "203.0.113.9")
    for n in range(ADDRESS_LIMIT):
        assert_unauthenticated(attempt(guesser, f"user{n}@example.com", "password1"))

    assert_held(attempt(guesser, "grace@example.com", PASSWORD))
    # The accounts themselves are not held: their owners sign in from elsewhere.
    assert attempt(client, "grace@example.com", PASSWORD).is_success


def test_held_sign_ins_expire_after_the_window(client: TestClient, clock: Clock) -> None:
    Api.register(client, "grace@example.com")
    for _ in range(ACCOUNT_LIMIT):
        attempt(client, "grace@example.com", "wrong password")
    retry_after = assert_held(attempt(client, "grace@example.com", PASSWORD))
    assert retry_after == WINDOW_SECONDS

    clock.advance(seconds=retry_after - 1)
    assert_held(attempt(client, "grace@example.com", PASSWORD))
    clock.advance(seconds=1)
    assert attempt(client, "grace@example.com", PASSWORD).status_code == 200


def test_an_unknown_email_is_held_the_same_way(client: TestClient, clock: Clock) -> None:
    """Otherwise the 429 would tell which emails have an account."""
    Api.register(client, "grace@example.com")
    answers = {}
    for email in ("grace@example.com", "nobody@example.com"):
        for _ in range(ACCOUNT_LIMIT):
            assert_unauthenticated(attempt(client, email, "wrong password"))
        answers[email] = attempt(client, email, "wrong password")
    assert [assert_held(r) for r in answers.values()] == [WINDOW_SECONDS, WINDOW_SECONDS]
    assert len({r.text for r in answers.values()}) == 1


def test_a_successful_sign_in_clears_the_accounts_failures(
    client: TestClient, clock: Clock
) -> None:
    Api.register(client, "grace@example.com")
    for _ in range(ACCOUNT_LIMIT - 1):
        assert_unauthenticated(attempt(client, "grace@example.com", "typo"))
    assert attempt(client, "grace@example.com", PASSWORD).status_code == 200
    # A fresh count: as many mistakes again before the account is held.
    for _ in range(ACCOUNT_LIMIT):
        assert_unauthenticated(attempt(client, "grace@example.com", "typo"))
    assert_held(attempt(client, "grace@example.com", PASSWORD))


def test_old_failures_are_pruned_when_new_ones_are_recorded(
    client: TestClient, clock: Clock, session: Session
) -> None:
    from app.auth.models import SignInFailure

    for n in range(3):
        attempt(client, f"user{n}@example.com", "wrong password")
    assert len(session.exec(select(SignInFailure)).all()) == 6  # per account and per address

    clock.advance(seconds=WINDOW_SECONDS + 1)
    attempt(client, "late@example.com", "wrong password")

    session.rollback()  # a fresh snapshot
    rows = session.exec(select(SignInFailure)).all()
    assert sorted(row.scope for row in rows) == ["account", "address"]
    assert {row.failed_at for row in rows} == {clock.now}
    assert all("example.com" not in row.key_hash for row in rows)  # kept hashed


def test_the_limits_are_settings(engine: Any, tmp_path: Any) -> None:
    from app.config import Settings
    from app.main import create_app

    settings = Settings(
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        secret_key="test-secret",
        sign_in_failures_per_account=2,
        sign_in_window_minutes=1,
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        Api.register(client, "grace@example.com")
        for _ in range(2):
            assert_unauthenticated(attempt(client, "grace@example.com", "wrong password"))
        assert assert_held(attempt(client, "grace@example.com", PASSWORD)) <= 60


def test_simultaneous_guesses_cannot_slip_past_the_limit(client: TestClient) -> None:
    """Every worker counts the same failures, and they wait for each other to count."""
    Api.register(client, "grace@example.com")
    guesses = 3 * ACCOUNT_LIMIT
    start = Barrier(guesses)

    def guess(n: int) -> int:
        with from_address(client, f"203.0.113.{n}") as guesser:
            start.wait()
            return attempt(guesser, "grace@example.com", f"guess {n}").status_code

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        statuses = sorted(pool.map(guess, range(guesses)))
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * (guesses - ACCOUNT_LIMIT)

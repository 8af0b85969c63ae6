"""Sign-in, sign-out, first run, redirects and CSRF on the pages."""

import pytest
from fastapi.testclient import TestClient

from app.auth.pages import safe_next
from tests.conftest import Clock
from tests.factories import PASSWORD, Api
from tests.pages import HTML, Web, csrf_of, soup


def first_run(client: TestClient, **overrides: str):
    page = client.get("/", headers=HTML)
    data = {
        "csrf_token": csrf_of(page),
        "name": "Ada",
        "email": "ada@example.com",
        "password": "long enough pw",
        "workspace": "Acme",
        "slug": "acme",
    } | overrides
    return client.post("/", data=data, headers=HTML, follow_redirects=False)


def test_first_run_creates_the_admin_and_workspace_and_signs_in(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert soup(page).h1.get_text() == "Welcome to Evident"

    response = first_run(client)

    assert response.status_code == 303
    assert response.headers["location"] == "/w/acme"
    cookie = response.headers["set-cookie"].lower()
    assert "evident_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in local mode
    portfolio = client.get("/w/acme", headers=HTML)
    assert portfolio.status_code == 200
    assert "Start here" in portfolio.text


def test_first_run_keeps_values_and_shows_errors(client: TestClient) -> None:
    response = first_run(client, password="short", slug="Not A Slug")

    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="password-error") is not None
    assert page.find(id="slug-error") is not None
    assert page.find(id="email")["value"] == "ada@example.com"


def test_first_run_is_closed_once_someone_exists(client: TestClient) -> None:
    first_run(client)
    other = TestClient(client.app)
    assert other.get("/", headers=HTML, follow_redirects=False).headers["location"] == "/signin"
    response = first_run(other, email="eve@example.com", slug="evil")
    assert response.headers["location"] == "/signin"
    assert other.get("/api/v1/me").status_code == 401


def test_cookie_is_secure_over_https(client: TestClient) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    response = first_run(secure)
    assert "secure" in response.headers["set-cookie"].lower()


def test_unauthenticated_pages_redirect_to_sign_in(client: TestClient) -> None:
    response = client.get("/w/acme/problems/3?x=1", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/w/acme/problems/3%3Fx%3D1"
    htmx = client.get("/w/acme", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/signin?next=")


def test_sign_in_goes_to_next_and_wrong_password_keeps_email(api: Api) -> None:
    web = Web(TestClient(api.client.app), api.ws)
    page = web.get("/signin?next=/w/acme/settings")
    assert soup(page).find("input", attrs={"name": "next"})["value"] == "/w/acme/settings"
    wrong = web.client.post(
        "/signin",
        data={"email": "ada@example.com", "password": "nope", "csrf_token": csrf_of(page)},
    )
    assert wrong.status_code == 401
    assert "Wrong email or password." in wrong.text
    assert soup(wrong).find(id="email")["value"] == "ada@example.com"
    right = web.client.post(
        "/signin",
        data={
            "email": "ada@example.com",
            "password": "correct horse battery",
            "next": "//evil.example/",
            "csrf_token": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert right.headers["location"] == "/"  # never off-site


def test_sign_in_form_needs_its_csrf_token(api: Api) -> None:
    other = TestClient(api.client.app)
    response = other.post(
        "/signin", data={"email": "ada@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 403


def test_sign_out_revokes_the_session(web: Web) -> None:
    response = web.post("/signout")
    assert response.headers["location"] == "/signin"
    assert web.get("", follow_redirects=False).status_code == 303


def test_forms_without_csrf_are_refused(web: Web) -> None:
    response = web.client.post(
        "/w/acme/problems", data={"title": "No token"}, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 403
    assert "CSRF" in soup(response).get_text()
    wrong = web.post("problems", {"title": "Bad token", "csrf_token": "0" * 64})
    assert wrong.status_code == 403


def test_htmx_requests_send_the_token_in_a_header(web: Web) -> None:
    body = soup(web.get("")).body
    assert web.csrf in body["hx-headers"]
    response = web.client.post(
        "/w/acme/problems",
        data={"title": "Through htmx"},
        headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/w/acme/problems/")


def test_errors_render_as_a_page_or_a_toast(web: Web) -> None:
    page = web.get("problems/999")
    assert page.status_code == 404
    assert soup(page).h1.get_text() == "Not found"
    toast = web.client.get("/w/acme/problems/999", headers={"HX-Request": "true"})
    assert toast.status_code == 404
    assert toast.headers["HX-Retarget"] == "#toasts"
    assert "<html" not in toast.text and "No problem 999" in toast.text


OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "/\u200b/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%E2%80%8B/evil.example",
    "/%20/evil.example",
    " /w/acme",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example/w/acme",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "/w/acme/../..//evil.example",
    "/caf\u00e9",
]


def test_sign_in_at_the_first_link_of_the_report_stays_on_the_site(api: Api) -> None:
    web = Web(TestClient(api.client.app), api.ws)
    page = web.get("/signin?next=%2F%09%2Fevil.example")
    assert soup(page).find("input", attrs={"name": "next"})["value"] == "/"


@pytest.mark.parametrize("target", OFF_SITE, ids=[repr(t) for t in OFF_SITE])
def test_sign_in_never_sends_people_off_the_site(api: Api, target: str) -> None:
    web = Web(TestClient(api.client.app), api.ws)
    page = web.client.get("/signin", params={"next": target}, headers=HTML)
    if "\x00" in target:
        # No text anywhere may hold NUL: refused before sign-in is even shown.
        assert page.status_code == 422
        return
    assert soup(page).find("input", attrs={"name": "next"})["value"] == "/"
    signed_in = web.client.post(
        "/signin",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"


@pytest.mark.parametrize(
    "target", ["/w/acme/settings", "/w/acme/problems/3?x=1", "/w/acme/search?q=caf%C3%A9"]
)
def test_sign_in_goes_on_to_a_path_of_the_site(api: Api, target: str) -> None:
    assert safe_next(target) == target


def test_the_form_holds_back_a_guesser_with_a_readable_page(api: Api, clock: Clock) -> None:
    web = Web(TestClient(api.client.app), api.ws)
    page = web.get("/signin")

    def sign_in(password: str):
        data = {"email": "ada@example.com", "password": password, "csrf_token": csrf_of(page)}
        return web.client.post("/signin", data=data, headers=HTML, follow_redirects=False)

    for n in range(5):
        assert sign_in(f"guess {n}").status_code == 401
    held = sign_in(PASSWORD)

    assert held.status_code == 429
    assert held.headers["Retry-After"] == "900"
    alert = soup(held).find(class_="form-error").get_text()
    assert alert == (
        "Too many failed sign-ins for this account or from your network. Try again in 15 minutes."
    )
    assert soup(held).find(id="email")["value"] == "ada@example.com"
    assert "evident_session" not in held.headers.get("set-cookie", "")

    clock.advance(minutes=15)
    assert sign_in(PASSWORD).status_code == 303


@pytest.mark.parametrize("password", ["password", "12345678", "ada@example.com", "acmeacme"])
def test_first_run_refuses_a_password_that_is_easy_to_guess(
    client: TestClient, password: str
) -> None:
    response = first_run(client, password=password)

    assert response.status_code == 422
    error = soup(response).find(id="password-error").get_text()
    assert error.startswith("Too easy to guess.")
    if password in ("password", "12345678"):
        assert "This is a top-10 common password." in error
    assert "Add another word or two." in error
    assert client.get("/api/v1/me").status_code == 401  # no one was created

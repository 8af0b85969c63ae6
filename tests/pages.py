"""A browser-like client for the pages: session cookie, CSRF field, parsed HTML.

The signed-in `web` fixture that uses it is in tests/conftest.py."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response

from tests.factories import PASSWORD, Api

HTML = {"Accept": "text/html"}


def soup(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf_of(response: Response) -> str:
    field = soup(response).find("input", attrs={"name": "csrf_token"})
    assert field is not None, "the page has no form with a CSRF field"
    return str(field["value"])


class Web:
    """A person at a browser: signs in through the form and posts forms with their CSRF field."""

    def __init__(self, client: TestClient, ws: str) -> None:
        self.client = client
        self.ws = ws
        self.csrf = ""

    def sign_in(self, email: str, password: str = PASSWORD) -> Response:
        page = self.client.get("/signin", headers=HTML)
        response = self.client.post(
            "/signin",
            data={"email": email, "password": password, "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.csrf = csrf_of(self.get(""))
        return response

    def url(self, path: str) -> str:
        return f"/w/{self.ws}/{path}".rstrip("/") if not path.startswith("/") else path

    def get(self, path: str, **kw: Any) -> Response:
        headers = HTML | kw.pop("headers", {})
        return self.client.get(self.url(path), headers=headers, **kw)

    def htmx(self, path: str, target: str = "", **kw: Any) -> Response:
        headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})}
        return self.client.get(self.url(path), headers=headers, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
        body = {"csrf_token": self.csrf} | (data or {})
        kw.setdefault("follow_redirects", False)
        headers = HTML | kw.pop("headers", {})
        return self.client.post(self.url(path), data=body, headers=headers, **kw)


def member_browser(api: Api, email: str, role: str) -> Web:
    """Another member of the workspace, at their own browser."""
    api.as_member(email, role)
    browser = Web(TestClient(api.client.app), api.ws)
    browser.sign_in(email)
    return browser

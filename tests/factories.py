"""Factory helpers: drive the API the way a client would, with sensible defaults to override."""

from datetime import date
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from app.auth.service import create_user
from app.db import get_session  # noqa: F401  (kept for symmetry with the app)

_seq = count(1)
PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


class Api:
    """A client signed in as one user, working in one workspace."""

    def __init__(self, client: TestClient, token: str, workspace: str, user_id: int) -> None:
        self.client = client
        self.token = token
        self.ws = workspace
        self.user_id = user_id

    # ---- set-up --------------------------------------------------------------------------

    @staticmethod
    def register(client: TestClient, email: str, password: str = PASSWORD, name: str = "") -> None:
        """Create a user directly in the database (the CLI's create-user does the same)."""
        from sqlmodel import Session

        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            create_user(session=session, email=email, password=password, name=name)
            session.commit()

    @staticmethod
    def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
        response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    @classmethod
    def signed_up(cls, client: TestClient, *, email: str, workspace: str | None = None) -> "Api":
        cls.register(client, email)
        token = cls.sign_in(client, email)
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        api = cls(client, token, workspace or "", me["id"])
        if workspace:
            api.post_root("/api/v1/workspaces", json={"slug": workspace, "name": workspace.title()})
        return api

    def as_member(self, email: str, role: str) -> "Api":
        """Another user, added to this workspace with a role."""
        self.register(self.client, email)
        assert self.post("members", json={"email": email, "role": role}).status_code == 202
        token = self.sign_in(self.client, email)
        me = self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        return Api(self.client, token, self.ws, me["id"])

    # ---- requests ------------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return f"/api/v1/workspaces/{self.ws}/{path}".rstrip("/")

    def get(self, path: str, **kw: Any) -> Response:
        return self.client.get(self.url(path), headers=self.headers, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.client.post(self.url(path), headers=self.headers, **kw)

    def patch(self, path: str, **kw: Any) -> Response:
        return self.client.patch(self.url(path), headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.client.delete(self.url(path), headers=self.headers, **kw)

    def post_root(self, path: str, **kw: Any) -> Response:
        response = self.client.post(path, headers=self.headers, **kw)
        assert response.status_code < 300, response.text
        return response

    def ok(self, response: Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    # ---- domain factories ----------------------------------------------------------------

    def segment(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Segment"), "size": 100} | overrides
        return self.ok(self.post("segments", json=body), 201)

    def participant(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Participant"), "organisation": "Initech"} | overrides
        return self.ok(self.post("participants", json=body), 201)

    def problem(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": unique("Problem"),
            "statement": "Finance teams struggle to close the month because exports break.",
        } | overrides
        return self.ok(self.post("problems", json=body), 201)

    def interview(self, **overrides: Any) -> dict[str, Any]:
        # An interview holds something: notes by default (an empty one is refused).
        body = {
            "kind": "interview",
            "occurred_on": date(2026, 10, 1).isoformat(),
            "notes": "Heard how their week went.",
        } | overrides
        return self.ok(self.post("interviews", json=body), 201)

    def evidence(self, problem_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "problem_id": problem_id,
            "quote": "We pay a contractor to fix it.",
            "signal": "paid",
        }
        return self.ok(self.post("evidence", json=body | overrides), 201)

    def assumption(self, problem_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "problem_id": problem_id,
            "statement": unique("Assumption"),
            "category": "feasibility",
        }
        return self.ok(self.post("assumptions", json=body | overrides), 201)

    def test_card(self, assumption_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "assumption_id": assumption_id,
            "method": "technical_spike",
            "metric": "export succeeds",
            "operator": ">=",
            "threshold": 0.9,
        }
        return self.ok(self.post("tests", json=body | overrides), 201)

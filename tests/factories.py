"""Factory helpers: a signed-in API client, and rows made with sensible defaults to override.

The rows are made through the domains' services on a session of the test's database, the way
the routes make them (same checks, same commit, which refreshes the scorecards), and come back
as the JSON the API answers; only the HTTP round trip is skipped, which most tests repeat many
times just to set the scene.
"""

import json
from collections.abc import Callable
from datetime import date
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, SQLModel

from app.auth.service import create_user, user_for_token
from app.collections import CollectionSpec
from app.db import WRITE_INTENT
from app.errors import NotAuthenticated
from app.experiments import api as experiments_api
from app.experiments import service as experiments
from app.experiments.models import AssumptionCreate, TestCreate
from app.problems import api as problems_api
from app.problems import service as problems
from app.problems.models import ProblemCreate
from app.research import api as research_api
from app.research import service as research
from app.research.models import EvidenceCreate, InterviewCreate, ParticipantCreate, SegmentCreate
from app.workspaces.deps import WorkspaceContext, load_workspace, require_role

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
        assert self.post("members", json={"email": email, "role": role}).status_code == 201
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

    def made(
        self,
        spec: CollectionSpec[Any],
        create: Callable[..., Any],
        schema: type[SQLModel],
        body: dict[str, Any],
    ) -> dict[str, Any]:
        """Create one row as the collection's POST route does, and return its JSON answer.

        Bad input raises (the payload's ValidationError, or the service's AppError), as do a
        revoked token and a role too low for the collection."""
        engine = self.client.app.state.engine  # type: ignore[attr-defined]
        with Session(engine, expire_on_commit=False) as session:
            session.connection(execution_options={WRITE_INTENT: True})
            user = user_for_token(session=session, token=self.token)
            if user is None:
                raise NotAuthenticated("The factory's token is invalid, expired or revoked.")
            ctx: WorkspaceContext = require_role(spec.write_role)(
                load_workspace(session, user, self.ws)
            )
            # The body as the route receives it: through JSON.
            payload = schema.model_validate(json.loads(json.dumps(body)))
            row = create(session=session, ctx=ctx, payload=payload)
            if spec.to_reads is not None:
                read = spec.to_reads(session, ctx, [row])[0]
            else:
                read = spec.read_schema.model_validate(row, from_attributes=True)
            session.commit()
        return dict(read.model_dump(mode="json"))

    def segment(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Segment"), "size": 100} | overrides
        return self.made(research_api.segments, research.create_segment, SegmentCreate, body)

    def participant(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": unique("Participant"), "organisation": "Initech"} | overrides
        return self.made(
            research_api.participants, research.create_participant, ParticipantCreate, body
        )

    def problem(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": unique("Problem"),
            "statement": "Finance teams struggle to close the month because exports break.",
        } | overrides
        return self.made(problems_api.problems, problems.create_problem, ProblemCreate, body)

    def interview(self, **overrides: Any) -> dict[str, Any]:
        body = {"kind": "interview", "occurred_on": date(2026, 10, 1).isoformat()} | overrides
        return self.made(research_api.interviews, research.create_interview, InterviewCreate, body)

    def evidence(self, problem_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "problem_id": problem_id,
            "quote": "We pay a contractor to fix it.",
            "signal": "paid",
        }
        return self.made(
            research_api.evidence, research.create_evidence, EvidenceCreate, body | overrides
        )

    def assumption(self, problem_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "problem_id": problem_id,
            "statement": unique("Assumption"),
            "category": "feasibility",
        }
        return self.made(
            experiments_api.assumptions,
            experiments.create_assumption,
            AssumptionCreate,
            body | overrides,
        )

    def test_card(self, assumption_id: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "assumption_id": assumption_id,
            "method": "technical_spike",
            "metric": "export succeeds",
            "operator": ">=",
            "threshold": 0.9,
        }
        return self.made(
            experiments_api.tests, experiments.create_test, TestCreate, body | overrides
        )

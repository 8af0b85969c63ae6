"""Factory helpers: a signed-in API client, and rows made with sensible defaults to override.

The rows are made through the domains' services on a session of the test's database, the way
the routes make them (same checks, same commit, which refreshes the scorecards), and come back
as the JSON the API answers; only the HTTP round trip is skipped, which most tests repeat many
times just to set the scene.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.auth.service import authenticate, create_user, issue_token, user_for_token
from app.db import WRITE_INTENT
from app.enums import Role
from app.errors import NotAuthenticated
from app.experiments import api as experiments_api
from app.experiments import service as experiments
from app.experiments.models import AssumptionCreate, TestCreate
from app.kit.collections import CollectionSpec
from app.problems import api as problems_api
from app.problems import service as problems
from app.problems.models import ProblemCreate
from app.research import api as research_api
from app.research import service as research
from app.research.models import EvidenceCreate, InterviewCreate, ParticipantCreate, SegmentCreate
from app.workspaces.deps import WorkspaceContext, load_workspace, require_role
from app.workspaces.models import MemberAdd, WorkspaceCreate
from app.workspaces.service import add_member, create_workspace

_seq = count(1)
PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"


@contextmanager
def writing(client: TestClient) -> Iterator[Session]:
    """A session on the test's database that writes as a request does (see get_session)."""
    with Session(client.app.state.engine, expire_on_commit=False) as session:  # type: ignore[attr-defined]
        session.connection(execution_options={WRITE_INTENT: True})
        yield session


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
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            create_user(session=session, email=email, password=password, name=name)
            session.commit()

    @staticmethod
    def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
        response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    @staticmethod
    def signed_in(session: Session, client: TestClient, email: str) -> tuple[User, str]:
        """What the sign-in route gives, through the same service calls: the user, checked
        against their password, and a new session token."""
        user = authenticate(session=session, email=email, password=PASSWORD)
        days = timedelta(days=client.app.state.settings.session_days)  # type: ignore[attr-defined]
        _, token = issue_token(
            session=session, user=user, name="sign-in", kind="session", lifetime=days
        )
        return user, token

    @classmethod
    def signed_up(cls, client: TestClient, *, email: str, workspace: str | None = None) -> "Api":
        """A new user, signed in, and the admin of a new workspace when one is named."""
        with writing(client) as session:
            create_user(session=session, email=email, password=PASSWORD)
            user, token = cls.signed_in(session, client, email)
            if workspace:
                body = {"slug": workspace, "name": workspace.title()}
                create_workspace(
                    session=session, user=user, payload=WorkspaceCreate.model_validate(body)
                )
            session.commit()
        assert user.id is not None
        return cls(client, token, workspace or "", user.id)

    def as_member(self, email: str, role: str) -> "Api":
        """Another user, added to this workspace with a role (by this admin, as the route)."""
        with writing(self.client) as session:
            create_user(session=session, email=email, password=PASSWORD)
            payload = MemberAdd.model_validate({"email": email, "role": role})
            add_member(
                session=session,
                ctx=self.context(session, Role.admin),
                email=payload.email,
                role=payload.role,
            )
            user, token = self.signed_in(session, self.client, email)
            session.commit()
        assert user.id is not None
        return Api(self.client, token, self.ws, user.id)

    def context(self, session: Session, role: Role) -> WorkspaceContext:
        """Who a route would see: this token's user in this workspace, with at least `role`."""
        user = user_for_token(session=session, token=self.token)
        if user is None:
            raise NotAuthenticated("The token is invalid, expired or revoked.")
        return require_role(role)(load_workspace(session, user, self.ws))

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
        with writing(self.client) as session:
            ctx = self.context(session, spec.write_role)
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
        # An interview holds something: notes by default (an empty one is refused).
        body = {
            "kind": "interview",
            "occurred_on": date(2026, 10, 1).isoformat(),
            "notes": "Heard how their week went.",
        } | overrides
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

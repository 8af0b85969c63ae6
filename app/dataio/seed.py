"""The demo workspace: hand-written data files in seeds/demo/, loaded through the services so
it gets audit events and scorecards like any workspace a team builds by hand."""

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from app.auth.models import User
from app.auth.service import normalise_email, password_hash
from app.decisions.models import DecisionCreate
from app.decisions.service import create_decision
from app.enums import Role, TestStatus
from app.experiments.models import AssumptionCreate, TestCreate, TestUpdate
from app.experiments.service import create_assumption, create_test, update_test
from app.problems.models import KillCriteria, ProblemCreate
from app.problems.service import create_problem
from app.research.models import (
    Highlight,
    InterviewCreate,
    ParticipantCreate,
    SegmentCreate,
)
from app.research.service import create_interview, create_participant, create_segment
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Membership, Workspace, WorkspaceCreate
from app.workspaces.service import create_workspace

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
DEMO_FILE = SEEDS_DIR / "demo" / "workspace.yaml"


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    """The demo workspace as written in its data file."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def demo_exists(*, session: Session, slug: str = "demo") -> bool:
    return session.exec(select(Workspace).where(Workspace.slug == slug)).first() is not None


def load_demo(
    session: Session, user: User, slug: str = "demo", *, today: date | None = None
) -> Workspace:
    """Create the demo workspace with `user` as its admin; a second call changes nothing."""
    existing = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if existing is not None:
        return existing
    data = read_demo()
    today = today or date.today()
    spec = data["workspace"]
    workspace = create_workspace(
        session=session,
        user=user,
        payload=WorkspaceCreate(slug=slug, name=spec["name"], description=spec["description"]),
    )
    team = _team(session, workspace, user, data["team"])

    def as_(key: str) -> WorkspaceContext:
        member, role = team[key]
        return WorkspaceContext(workspace=workspace, user=member, role=role)

    admin = as_(next(k for k, (_, role) in team.items() if role == Role.admin))
    segments = {
        key: create_segment(session=session, ctx=admin, payload=SegmentCreate(**fields)).id
        for key, fields in data["segments"].items()
    }
    problems = {}
    for key, fields in data["problems"].items():
        owner = as_(fields["owner"])
        feasibility = fields.get("feasibility") or {}
        kill = fields.get("kill_criteria")
        problem = create_problem(
            session=session,
            ctx=owner,
            payload=ProblemCreate(
                title=fields["title"],
                statement=fields["statement"].strip(),
                owner_id=owner.user_id,
                status=fields.get("status", "exploring"),
                tags=fields.get("tags", []),
                feasibility_estimate=feasibility.get("estimate"),
                feasibility_rationale=feasibility.get("rationale", ""),
                kill_criteria=KillCriteria(**kill) if kill else None,
            ),
        )
        problems[key] = problem.id or 0
    participants = {}
    for key, fields in data["participants"].items():
        payload = ParticipantCreate(
            **(
                fields
                | {"segment_id": segments[fields["segment"]] if "segment" in fields else None}
            )
        )
        participants[key] = create_participant(session=session, ctx=admin, payload=payload).id
    for entry in data["interviews"]:
        by = as_(entry["by"])
        create_interview(
            session=session,
            ctx=by,
            payload=InterviewCreate(
                kind=entry["kind"],
                occurred_on=today - timedelta(days=entry["days_ago"]),
                participant_id=participants[entry["participant"]],
                conducted_by=by.user_id,
                title=entry.get("title", ""),
                notes=entry.get("notes", "").strip(),
                problem_ids=[problems[k] for k in entry.get("covers", [])],
                highlights=[_highlight(h, problems) for h in entry.get("highlights", [])],
            ),
        )
    for entry in data["assumptions"]:
        by = as_(entry["by"])
        assumption = create_assumption(
            session=session,
            ctx=by,
            payload=AssumptionCreate(
                problem_id=problems[entry["problem"]],
                statement=entry["statement"],
                category=entry["category"],
                critical=entry.get("critical", False),
            ),
        )
        for test in entry.get("tests", []):
            _run_test(session, by, assumption.id or 0, test)
    for entry in data.get("decisions", []):
        create_decision(
            session=session,
            ctx=as_(entry["by"]),
            payload=DecisionCreate(
                problem_id=problems[entry["problem"]],
                kind=entry["kind"],
                rationale=entry["rationale"].strip(),
                dissent=entry.get("dissent", ""),
                customer_advocate_notes=entry.get("customer_advocate_notes", ""),
                against_reason=entry.get("against_reason", "").strip(),
                review_on=today + timedelta(days=entry["review_in_days"])
                if entry.get("review_in_days")
                else None,
            ),
        )
    session.flush()
    return workspace


def _team(
    session: Session, workspace: Workspace, loader: User, team: dict[str, Any]
) -> dict[str, tuple[User, Role]]:
    """The demo's research team: existing users are reused, missing ones created without a
    usable password (an admin can reset it)."""
    members: dict[str, tuple[User, Role]] = {}
    # One hash of a password nobody knows, shared: hashing is slow on purpose.
    unusable = password_hash.hash(secrets.token_urlsafe(32))
    for key, fields in team.items():
        email = normalise_email(fields["email"])
        member = session.exec(select(User).where(User.email == email)).first()
        if member is None:
            member = User(email=email, name=fields["name"], password_hash=unusable)
            session.add(member)
            session.flush()
        role = Role(fields["role"])
        if member.id != loader.id:
            session.add(
                Membership(workspace_id=workspace.id or 0, user_id=member.id or 0, role=role)
            )
        members[key] = (member, role)
    session.flush()
    return members


def _highlight(entry: list[Any], problems: dict[str, int]) -> Highlight:
    problem, signal, frequency, quote = entry
    severity = None
    if ":" in signal:
        signal, level = signal.split(":", 1)
        severity = int(level)
    return Highlight(
        problem_id=problems[problem],
        signal=signal,
        severity=severity,
        frequency=frequency,
        quote=quote,
    )


def _run_test(
    session: Session, ctx: WorkspaceContext, assumption_id: int, spec: dict[str, Any]
) -> None:
    """Plan a test card, then run and conclude it as the data file says."""
    status = TestStatus(spec.get("status", "concluded"))
    test = create_test(
        session=session,
        ctx=ctx,
        payload=TestCreate(
            assumption_id=assumption_id,
            method=spec["method"],
            metric=spec["metric"],
            operator=spec["operator"],
            threshold=spec.get("threshold"),
            status=TestStatus.running if status != TestStatus.planned else TestStatus.planned,
        ),
    )
    if status == TestStatus.concluded:
        update_test(
            session=session,
            ctx=ctx,
            row=test,
            payload=TestUpdate(
                version=test.version,
                status=TestStatus.concluded,
                observed_value=spec.get("observed"),
                learning=spec.get("learning", ""),
            ),
            current=lambda: {},
        )

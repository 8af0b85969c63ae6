"""The problem page (statement, scorecard with its explanations, trend, evidence, assumptions
and tests, decisions) and the forms that create, edit, delete and restore a problem."""

from collections import defaultdict
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from app.db import SessionDep
from app.decisions.models import Decision
from app.enums import AssumptionCategory, ProblemStatus, Role
from app.errors import AppError, Conflict
from app.experiments.models import Assumption, AssumptionCreate, AssumptionTest
from app.experiments.service import create_assumption
from app.pages.common import (
    Pager,
    app_errors,
    offset_param,
    page_router,
    validation_errors,
    values_of,
)
from app.problems import repository
from app.problems.models import Problem, ProblemCreate, ProblemUpdate
from app.problems.service import create_problem, kill_criteria_of, owner_name, update_problem
from app.research.models import EvidenceItem, Interview, Participant, Segment
from app.rows import get_for_update, get_row, restore, soft_delete
from app.scoring import store
from app.scoring.api import scorecard_history
from app.validation import Id, whole_number
from app.web import FormDep, hx_redirect, render
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

EVIDENCE_PAGE = 50
DECISIONS_PAGE = 10
KILL_KEYS = ("pain", "reach", "feasibility", "min_participants")


# ---- forms -----------------------------------------------------------------------------------


def _problem_fields(values: dict[str, str]) -> dict[str, Any]:
    """The service's fields from the posted form; blanks mean 'not set'."""
    kill = {key: values.get(f"kill_{key}") or None for key in KILL_KEYS}
    return {
        "title": values.get("title", ""),
        "statement": values.get("statement", ""),
        "status": values.get("status") or ProblemStatus.exploring,
        "tags": [t.strip() for t in values.get("tags", "").split(",") if t.strip()],
        "feasibility_estimate": values.get("feasibility_estimate") or None,
        "feasibility_rationale": values.get("feasibility_rationale", ""),
        "kill_criteria": kill if any(v is not None for v in kill.values()) else None,
        "review_by": values.get("review_by") or None,
    }


def _field_name(loc: str) -> str:
    if loc.startswith("kill_criteria."):
        return "kill_" + loc.split(".")[1]
    if loc.startswith("tags"):
        return "tags"
    return loc


def _form_values(problem: Problem, tags: list[str]) -> dict[str, Any]:
    kill = kill_criteria_of(problem)
    values: dict[str, Any] = {
        "title": problem.title,
        "statement": problem.statement,
        "status": problem.status,
        "tags": ", ".join(tags),
        "feasibility_estimate": _plain(problem.feasibility_estimate),
        "feasibility_rationale": problem.feasibility_rationale,
        "review_by": problem.review_by.isoformat() if problem.review_by else "",
        "version": problem.version,
    }
    values |= {f"kill_{key}": _plain(getattr(kill, key)) for key in KILL_KEYS}
    return values


def _plain(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _form(
    request: Request,
    ctx: WorkspaceContext,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    problem: Problem | None = None,
    status: int = 200,
    current: dict[str, Any] | None = None,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "portfolio",
        "problem": problem,
        "values": values,
        "errors": errors,
        "current": current,
        "statuses": list(ProblemStatus),
    }
    return render(request, "problems/form.html", context, status=status)


@router.get("/w/{ws}/problems/new")
def new_problem(request: Request, ctx: ContributorDep) -> Response:
    return _form(request, ctx, values={"status": "exploring"}, errors={})


@router.post("/w/{ws}/problems")
def create(request: Request, ctx: ContributorDep, session: SessionDep, form: FormDep) -> Response:
    values = values_of(form)
    try:
        payload = ProblemCreate.model_validate(_problem_fields(values))
        problem = create_problem(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors = validation_errors(exc, _field_name)
    except AppError as exc:
        errors = app_errors(exc, _field_name)
    else:
        store.refresh_after_write(session, ctx, problem)
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem.id}")
    return _form(request, ctx, values=values, errors=errors, status=422)


@router.get("/w/{ws}/problems/{problem_id}/edit")
def edit_problem(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id
) -> Response:
    problem = get_row(session, Problem, ctx, problem_id)
    tags = repository.tags_of(session, [problem_id]).get(problem_id, [])
    return _form(request, ctx, values=_form_values(problem, tags), errors={}, problem=problem)


@router.post("/w/{ws}/problems/{problem_id}")
def update(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id, form: FormDep
) -> Response:
    """Save an edit against the version it was made on; a stale version keeps what was typed."""
    problem = get_for_update(session, Problem, ctx, problem_id)
    values = values_of(form)
    current = None
    try:
        version = int(values.get("version", ""))
        payload = ProblemUpdate.model_validate({"version": version, **_problem_fields(values)})
        tags = repository.tags_of(session, [problem_id]).get(problem_id, [])
        update_problem(
            session=session,
            ctx=ctx,
            row=problem,
            payload=payload,
            current=lambda: _form_values(problem, tags),
        )
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            errors, status = validation_errors(exc, _field_name), 422
        else:
            errors, status = {"": "Reload the page: the form lost its version."}, 422
    except Conflict as exc:
        # Keep what was typed; saving again applies it over the newer version on purpose.
        current = (exc.details or {}).get("current")
        errors, status = {"": exc.message}, 409
        values["version"] = str(problem.version)
    except AppError as exc:
        errors, status = app_errors(exc, _field_name), exc.status
    else:
        store.refresh_after_write(session, ctx, problem)
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}")
    return _form(
        request, ctx, values=values, errors=errors, problem=problem, status=status, current=current
    )


@router.post("/w/{ws}/problems/{problem_id}/delete")
def delete(request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id) -> Response:
    problem = soft_delete(session, ctx, get_for_update(session, Problem, ctx, problem_id))
    store.refresh_after_write(session, ctx, problem)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}?deleted={problem_id}")


@router.post("/w/{ws}/problems/{problem_id}/restore")
def restore_problem(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id
) -> Response:
    problem = restore(
        session, ctx, get_row(session, Problem, ctx, problem_id, include_deleted=True)
    )
    store.refresh_after_write(session, ctx, problem)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}")


@router.post("/w/{ws}/problems/{problem_id}/assumptions")
def add_assumption(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id, form: FormDep
) -> Response:
    values = values_of(form)
    try:
        payload = AssumptionCreate(
            problem_id=problem_id,
            statement=values.get("statement", ""),
            category=values.get("category", ""),  # type: ignore[arg-type]
            critical=values.get("critical") == "on",
        )
    except ValidationError as exc:
        errors = validation_errors(exc)
        raise AppError(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), code="invalid_input"
        ) from None
    assumption = create_assumption(session=session, ctx=ctx, payload=payload)
    store.refresh_after_write(session, ctx, assumption)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}#assumptions")


# ---- the problem page ------------------------------------------------------------------------


def sparkline(values: list[float], width: float = 192, height: float = 44) -> str:
    """SVG polyline points for values on a 0..100 scale."""
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - max(0.0, min(v, 100.0)) / 100 * height:.1f}"
        for i, v in enumerate(values)
    )


def evidence_by_segment(
    session: Session, ctx: WorkspaceContext, items: list[EvidenceItem]
) -> list[tuple[str, list[tuple[Participant | None, list[EvidenceItem]]]]]:
    """Evidence grouped by segment, then by participant, in a stable reading order."""
    participant_ids = {i.participant_id for i in items if i.participant_id}
    participants = {
        p.id: p
        for p in session.exec(
            select(Participant).where(
                Participant.workspace_id == ctx.id, col(Participant.id).in_(participant_ids)
            )
        ).all()
    }
    segment_ids = {p.segment_id for p in participants.values() if p.segment_id}
    segments = {
        s.id: s.name
        for s in session.exec(
            select(Segment).where(Segment.workspace_id == ctx.id, col(Segment.id).in_(segment_ids))
        ).all()
    }
    grouped: dict[str, dict[int | None, list[EvidenceItem]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item in items:
        person = participants.get(item.participant_id) if item.participant_id else None
        segment = segments.get(person.segment_id) if person and person.segment_id else None
        grouped[segment or "No segment"][item.participant_id].append(item)
    return [
        (segment, [(participants.get(pid) if pid else None, rows) for pid, rows in people.items()])
        for segment, people in sorted(
            grouped.items(), key=lambda kv: (kv[0] == "No segment", kv[0])
        )
    ]


@router.get("/w/{ws}/problems/{problem_id}")
def detail(request: Request, ctx: WorkspaceDep, session: SessionDep, problem_id: Id) -> Response:
    problem = get_row(session, Problem, ctx, problem_id, include_deleted=True)
    card = store.current_scorecard(session=session, ctx=ctx, problem=problem)
    history = scorecard_history(ctx=ctx, session=session, problem_id=problem_id, points=10)

    evidence_stmt = select(EvidenceItem).where(
        EvidenceItem.workspace_id == ctx.id,
        EvidenceItem.problem_id == problem_id,
        col(EvidenceItem.deleted_at).is_(None),
    )
    evidence_total = session.exec(select(func.count()).select_from(evidence_stmt.subquery())).one()
    evidence_pager = Pager(total=evidence_total, offset=offset_param(request), limit=EVIDENCE_PAGE)
    items = list(
        session.exec(
            evidence_stmt.order_by(col(EvidenceItem.id))
            .offset(evidence_pager.offset)
            .limit(EVIDENCE_PAGE)
        ).all()
    )
    interview_ids = {i.interview_id for i in items if i.interview_id}
    interviews = {
        i.id: i
        for i in session.exec(
            select(Interview).where(
                Interview.workspace_id == ctx.id, col(Interview.id).in_(interview_ids)
            )
        ).all()
    }
    assumptions = session.exec(
        select(Assumption)
        .where(
            Assumption.workspace_id == ctx.id,
            Assumption.problem_id == problem_id,
            col(Assumption.deleted_at).is_(None),
        )
        .order_by(col(Assumption.critical).desc(), col(Assumption.id))
    ).all()
    tests: dict[int, list[AssumptionTest]] = defaultdict(list)
    for test in session.exec(
        select(AssumptionTest)
        .where(
            AssumptionTest.workspace_id == ctx.id,
            AssumptionTest.problem_id == problem_id,
            col(AssumptionTest.deleted_at).is_(None),
        )
        .order_by(col(AssumptionTest.id))
    ).all():
        tests[test.assumption_id].append(test)
    decisions_stmt = select(Decision).where(
        Decision.workspace_id == ctx.id,
        Decision.problem_id == problem_id,
        col(Decision.deleted_at).is_(None),
    )
    decisions_total = session.exec(
        select(func.count()).select_from(decisions_stmt.subquery())
    ).one()
    decisions_offset = request.query_params.get("decisions_offset", "0")
    decisions_pager = Pager(
        total=decisions_total,
        offset=whole_number(decisions_offset, low=0) or 0,
        limit=DECISIONS_PAGE,
    )
    decisions = session.exec(
        decisions_stmt.order_by(col(Decision.created_at).desc(), col(Decision.id).desc())
        .offset(decisions_pager.offset)
        .limit(DECISIONS_PAGE)
    ).all()
    from app.auth.models import User

    deciders = {
        u.id: u.name
        for u in session.exec(
            select(User).where(col(User.id).in_({d.decided_by for d in decisions}))
        ).all()
    }
    context = {
        "ctx": ctx,
        "nav": "portfolio",
        "problem": problem,
        "tags": repository.tags_of(session, [problem_id]).get(problem_id, []),
        "kill": kill_criteria_of(problem),
        "kill_history": repository.kill_criteria_history(session, ctx, problem_id),
        "owner": owner_name(session, problem.owner_id),
        "card": card,
        "history": history,
        "spark": {
            "pain": sparkline([h.pain for h in history]),
            "reach": sparkline([h.reach for h in history]),
            "feasibility": sparkline([h.feasibility for h in history]),
        },
        "evidence_groups": evidence_by_segment(session, ctx, items),
        "evidence_pager": evidence_pager,
        "interviews": interviews,
        "assumptions": assumptions,
        "tests": tests,
        "categories": list(AssumptionCategory),
        "decisions": decisions,
        "decisions_pager": decisions_pager,
        "deciders": deciders,
        "can_contribute": ctx.can(Role.contributor),
        "can_decide": ctx.can(Role.decider),
    }
    return render(request, "problems/detail.html", context)

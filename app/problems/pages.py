"""The problem page (statement, scorecard with its explanations, trend, evidence, assumptions
and tests, decisions) and the forms that create, edit, delete and restore a problem."""

from collections import defaultdict
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.db import SessionDep
from app.decisions import repository as decisions_repository
from app.enums import AssumptionCategory, ProblemStatus, Role
from app.errors import AppError, Conflict, FormError
from app.experiments import repository as experiments_repository
from app.experiments.models import AssumptionCreate, AssumptionTest
from app.experiments.service import create_assumption
from app.kit.rows import get_for_update, get_row, restore, soft_delete
from app.problems import repository
from app.problems.deps import ProblemDep
from app.problems.models import Problem, ProblemCreate, ProblemUpdate
from app.problems.service import create_problem, kill_criteria_of, update_problem
from app.research import repository as research_repository
from app.research.models import EvidenceItem, Participant
from app.scorecards import service as store
from app.scoring.scorecard import Scorecard
from app.scoring.trend import MonthPoint
from app.validation import Id, whole_number
from app.web import (
    CompareRow,
    FormDep,
    Pager,
    ShownField,
    app_errors,
    chosen_words,
    compare_rows,
    hx_redirect,
    offset_param,
    page_router,
    render,
    stale_message,
    typed_text,
    validation_errors,
    values_of,
)
from app.workspaces.deps import ContributorDep, WorkspaceContext, WorkspaceDep

router = page_router()

EVIDENCE_PAGE = 50
DECISIONS_PAGE = 10
KILL_KEYS = ("pain", "reach", "feasibility", "min_participants")
# The fields a stale edit compares, as the form labels them.
SHOWN_FIELDS: list[ShownField] = [
    ("title", "Title", typed_text),
    ("statement", "Statement", typed_text),
    ("status", "Status", chosen_words),
    ("tags", "Tags", typed_text),
    ("feasibility_estimate", "Feasibility estimate", typed_text),
    ("feasibility_rationale", "Feasibility rationale", typed_text),
    ("review_by", "Review by", typed_text),
    ("kill_pain", "Kill criteria: pain", typed_text),
    ("kill_reach", "Kill criteria: reach", typed_text),
    ("kill_feasibility", "Kill criteria: feasibility", typed_text),
    ("kill_min_participants", "Kill criteria: participants", typed_text),
]


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
    compare: list[CompareRow] | None = None,
) -> Response:
    context = {
        "ctx": ctx,
        "nav": "portfolio",
        "problem": problem,
        "values": values,
        "errors": errors,
        "compare": compare,
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
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem.id}")
    raise FormError(_form(request, ctx, values=values, errors=errors, status=422))


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
    compare = None
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
        compare = compare_rows(SHOWN_FIELDS, values, (exc.details or {}).get("current") or {})
        errors, status = {"": stale_message("this problem")}, 409
        values["version"] = str(problem.version)
    except AppError as exc:
        errors, status = app_errors(exc, _field_name), exc.status
    else:
        return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}")
    raise FormError(
        _form(
            request,
            ctx,
            values=values,
            errors=errors,
            problem=problem,
            status=status,
            compare=compare,
        )
    )


@router.post("/w/{ws}/problems/{problem_id}/delete")
def delete(request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id) -> Response:
    soft_delete(session, ctx, get_for_update(session, Problem, ctx, problem_id))
    return hx_redirect(request, f"/w/{ctx.workspace.slug}?deleted={problem_id}")


@router.post("/w/{ws}/problems/{problem_id}/restore")
def restore_problem(
    request: Request, ctx: ContributorDep, session: SessionDep, problem_id: Id
) -> Response:
    restore(session, ctx, get_row(session, Problem, ctx, problem_id, include_deleted=True))
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
    create_assumption(session=session, ctx=ctx, payload=payload)
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/problems/{problem_id}#assumptions")


# ---- the problem page ------------------------------------------------------------------------


# The trend chart's plot area inside its viewBox (room for the axes' labels).
TREND_W, TREND_H = 640.0, 240.0
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 44.0, 560.0, 12.0, 200.0
# (score, its name at the end of its line, its unit)
TREND_LINES = (("pain", "Pain", ""), ("reach", "Reach", "%"), ("feasibility", "Feasibility", ""))


def trend_chart(points: list[MonthPoint]) -> dict[str, Any]:
    """Where each month's scores sit on the chart: x by month, y from 0 to 100."""
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        if len(points) == 1:
            return (TREND_LEFT + TREND_RIGHT) / 2
        return TREND_LEFT + i / span * (TREND_RIGHT - TREND_LEFT)

    def y(value: float) -> float:
        return TREND_BOTTOM - max(0.0, min(value, 100.0)) / 100 * (TREND_BOTTOM - TREND_TOP)

    lines: list[dict[str, Any]] = []
    for key, label, unit in TREND_LINES:
        marks = [(x(i), y(getattr(p, key)), round(getattr(p, key))) for i, p in enumerate(points)]
        lines.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "points": " ".join(f"{mx:.1f},{my:.1f}" for mx, my, _ in marks),
                "marks": marks,
                "last": marks[-1] if marks else None,
            }
        )
    # End labels at least 13 px apart, so close values stay readable.
    placed: list[float] = []
    for line in sorted((ln for ln in lines if ln["last"]), key=lambda ln: ln["last"][1]):
        label_y = line["last"][1] + 4
        if placed and label_y - placed[-1] < 13:
            label_y = placed[-1] + 13
        placed.append(label_y)
        line["label_y"] = label_y
    # A label every few months, so they never collide.
    every = max(1, -(-len(points) // 5))
    months = [
        (x(i), p.month.strftime("%b %Y"))
        for i, p in enumerate(points)
        if i % every == 0 or i == len(points) - 1
    ]
    return {
        "width": TREND_W,
        "height": TREND_H,
        "plot": {
            "left": TREND_LEFT,
            "right": TREND_RIGHT,
            "top": TREND_TOP,
            "bottom": TREND_BOTTOM,
        },
        "ticks": [(v, y(v)) for v in (0, 25, 50, 75, 100)],
        "months": months,
        "lines": lines,
    }


def evidence_by_segment(
    people: dict[int, Participant], segments: dict[int, str], items: list[EvidenceItem]
) -> list[tuple[str, list[tuple[Participant | None, list[EvidenceItem]]]]]:
    """Evidence grouped by segment, then by participant, in a stable reading order."""
    grouped: dict[str, dict[int | None, list[EvidenceItem]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item in items:
        person = people.get(item.participant_id) if item.participant_id else None
        segment = segments.get(person.segment_id) if person and person.segment_id else None
        grouped[segment or "No segment"][item.participant_id].append(item)
    return [
        (segment, [(people.get(pid) if pid else None, rows) for pid, rows in by_person.items()])
        for segment, by_person in sorted(
            grouped.items(), key=lambda kv: (kv[0] == "No segment", kv[0])
        )
    ]


@router.get("/w/{ws}/problems/{problem_id}")
def detail(
    request: Request, ctx: WorkspaceDep, session: SessionDep, problem: ProblemDep
) -> Response:
    problem_id = problem.id or 0
    stored = store.stored_card(session=session, ctx=ctx, problem=problem)
    card = Scorecard.model_validate(stored.data)
    trend = store.research_trend_of(session=session, workspace=ctx.workspace, problem=problem)

    evidence_offset = offset_param(request)
    items, interviews, evidence_total = research_repository.evidence_page_of_problem(
        session, ctx, problem_id, offset=evidence_offset, limit=EVIDENCE_PAGE
    )
    evidence_pager = Pager(total=evidence_total, offset=evidence_offset, limit=EVIDENCE_PAGE)
    people, segments = research_repository.people_with_segments(
        session, ctx, {i.participant_id for i in items if i.participant_id}
    )
    assumptions = sorted(
        experiments_repository.assumptions_of_problem(session, ctx, problem_id),
        key=lambda a: (not a.critical, a.id),
    )
    tests: dict[int, list[AssumptionTest]] = defaultdict(list)
    for test in experiments_repository.tests_of_problem(session, ctx, problem_id):
        tests[test.assumption_id].append(test)
    decisions_offset = request.query_params.get("decisions_offset", "0")
    decisions_offset_value = whole_number(decisions_offset, low=0) or 0
    decisions, decisions_total = decisions_repository.decisions_page(
        session, ctx, problem_id, offset=decisions_offset_value, limit=DECISIONS_PAGE
    )
    decisions_pager = Pager(
        total=decisions_total, offset=decisions_offset_value, limit=DECISIONS_PAGE
    )
    # The owner and the deciders in one query.
    names = decisions_repository.user_names(
        session, [problem.owner_id, *(d.decided_by for d in decisions)]
    )
    context = {
        "ctx": ctx,
        "nav": "portfolio",
        "problem": problem,
        "tags": repository.tags_of(session, [problem_id]).get(problem_id, []),
        "kill": kill_criteria_of(problem),
        "kill_history": repository.kill_criteria_history(session, ctx, problem_id),
        "owner": names.get(problem.owner_id or 0, ""),
        "card": card,
        "trend": trend,
        "trend_chart": trend_chart(trend),
        "evidence_groups": evidence_by_segment(people, segments, items),
        "evidence_pager": evidence_pager,
        "interviews": interviews,
        "assumptions": assumptions,
        "tests": tests,
        "categories": list(AssumptionCategory),
        "decisions": decisions,
        "decisions_pager": decisions_pager,
        "deciders": names,
        "can_contribute": ctx.can(Role.contributor),
        "can_decide": ctx.can(Role.decider),
    }
    return render(request, "problems/detail.html", context)

"""Rules of assumption tests: the success criterion is fixed before the test runs, and the
outcome is computed from it, never typed in."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.db import utcnow
from app.enums import CriterionOperator, TestOutcome, TestStatus
from app.errors import Conflict, InvalidInput
from app.experiments import repository
from app.experiments.models import (
    Assumption,
    AssumptionCreate,
    AssumptionTest,
    AssumptionUpdate,
    CriticalAssumptionRead,
    TestCreate,
    TestUpdate,
)
from app.kit.rows import add_row, ensure_in_workspace, soft_delete, update_row
from app.problems.models import Problem
from app.scorecards.service import current_scorecard
from app.workspaces.deps import WorkspaceContext

CRITERION_FIELDS = ("method", "metric", "operator", "threshold")
# What a test of the assumption measured: rewording it afterwards would change what its result
# means.
ASSUMPTION_FIXED_FIELDS = ("statement", "category", "critical")
NUMERIC_OPERATORS = {
    CriterionOperator.gte,
    CriterionOperator.gt,
    CriterionOperator.lte,
    CriterionOperator.lt,
}


def outcome_for(
    operator: CriterionOperator, threshold: float | None, observed: float | None
) -> TestOutcome:
    """Validated when the observed value meets the criterion fixed in advance.

    A yes/no criterion reads the observed value as 1 (yes) or 0 (no); no observation at all
    is inconclusive.
    """
    if observed is None:
        return TestOutcome.inconclusive
    if operator == CriterionOperator.yes:
        met = observed >= 0.5
    elif operator == CriterionOperator.no:
        met = observed < 0.5
    else:
        assert threshold is not None
        met = {
            CriterionOperator.gte: observed >= threshold,
            CriterionOperator.gt: observed > threshold,
            CriterionOperator.lte: observed <= threshold,
            CriterionOperator.lt: observed < threshold,
        }[operator]
    return TestOutcome.validated if met else TestOutcome.invalidated


def _check_criterion(operator: CriterionOperator, threshold: float | None) -> None:
    if operator in NUMERIC_OPERATORS and threshold is None:
        raise InvalidInput(
            f"threshold: the criterion '{operator.value}' needs a number to compare with.",
            details=[{"field": "threshold", "message": "required for this operator"}],
        )


def create_assumption(
    *, session: Session, ctx: WorkspaceContext, payload: AssumptionCreate
) -> Assumption:
    """Add an assumption behind a problem."""
    ensure_in_workspace(session, Problem, ctx, payload.problem_id, "problem_id")
    return add_row(
        session, ctx, Assumption.model_validate(payload, update={"workspace_id": ctx.id})
    )


def create_test(*, session: Session, ctx: WorkspaceContext, payload: TestCreate) -> AssumptionTest:
    """Plan a test card; its criterion is fixed now, before any result exists."""
    assumption = ensure_in_workspace(
        session, Assumption, ctx, payload.assumption_id, "assumption_id"
    )
    assert assumption is not None
    _check_criterion(payload.operator, payload.threshold)
    if payload.status == TestStatus.concluded:
        raise InvalidInput(
            "status: a test is concluded by updating it with its observed value.",
            details=[{"field": "status", "message": "create as planned or running"}],
        )
    now = utcnow()
    test = AssumptionTest.model_validate(
        payload.model_dump()
        | {
            # A yes/no criterion compares with nothing.
            "threshold": payload.threshold if payload.operator in NUMERIC_OPERATORS else None,
            "problem_id": assumption.problem_id,
            "criterion_fixed_at": now,
            "started_at": now if payload.status == TestStatus.running else None,
        },
        update={"workspace_id": ctx.id},
    )
    return add_row(session, ctx, test)


def update_test(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: AssumptionTest,
    payload: TestUpdate,
    current: Callable[[], Any],
) -> AssumptionTest:
    """Edit, start or conclude a test card.

    Once running, the criterion cannot change (409); once concluded, nothing can. Concluding
    takes the observed value and a learning, and computes the outcome; without a value it is
    inconclusive only when the request says why (`inconclusive_reason`).
    """
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("method", "metric", "operator", "status"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"{name}: cannot be empty.", details=[{"field": name, "message": "required"}]
            )
    status = TestStatus(row.status)
    criterion_changes = {
        k: v for k, v in changes.items() if k in CRITERION_FIELDS and v != getattr(row, k)
    }
    if status == TestStatus.concluded:
        raise Conflict(
            "This test is concluded; its result stays as it is. Plan a new test to learn more.",
            code="test_concluded",
        )
    if status == TestStatus.running and criterion_changes:
        raise Conflict(
            "This test is running, so its success criterion is fixed. To change it, conclude "
            "this test as inconclusive with what you learned, then plan a new one.",
            code="criterion_fixed",
            details={"fields": sorted(criterion_changes)},
        )
    new_status = TestStatus(changes.get("status") or status)
    if new_status == TestStatus.concluded and criterion_changes:
        raise Conflict(
            "A test's success criterion is fixed before its result is known, so it cannot "
            "change in the same step that concludes it.",
            code="criterion_fixed",
            details={"fields": sorted(criterion_changes)},
        )
    if status == TestStatus.running and new_status == TestStatus.planned:
        # Going back to planned would reopen the criterion for editing.
        raise Conflict(
            "This test is running; it cannot go back to planned. Conclude it as inconclusive "
            "with what you learned, then plan a new one.",
            code="criterion_fixed",
            details={"fields": ["status"]},
        )
    operator = CriterionOperator(changes.get("operator") or row.operator)
    threshold = changes.get("threshold", row.threshold)
    _check_criterion(operator, threshold)
    if operator not in NUMERIC_OPERATORS and threshold is not None:
        threshold = changes["threshold"] = None
    now = utcnow()
    if criterion_changes:
        changes["criterion_fixed_at"] = now
    if new_status == TestStatus.running and status == TestStatus.planned:
        changes["started_at"] = now
    if new_status == TestStatus.concluded:
        observed = changes.get("observed_value", row.observed_value)
        reason = _inconclusive_reason(changes, observed)
        learning = (changes.get("learning") or row.learning or "").strip()
        if not learning:
            raise InvalidInput(
                "learning: say what the team learned when concluding a test.",
                details=[{"field": "learning", "message": "required to conclude"}],
            )
        _check_observed(operator, observed)
        changes["learning"] = learning
        changes["inconclusive_reason"] = reason
        changes["outcome"] = outcome_for(operator, threshold, observed)
        changes["concluded_at"] = now
        changes.setdefault("started_at", row.started_at or now)
    else:
        for name in ("observed_value", "inconclusive_reason"):
            if changes.get(name) is not None:
                raise InvalidInput(
                    f"{name}: record it when you conclude the test (status concluded).",
                    details=[{"field": name, "message": "only when concluding"}],
                )
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def _inconclusive_reason(changes: dict[str, Any], observed: float | None) -> str:
    """Why a test concludes without an observed value; "" when it has one.

    A blank value must not pass for a result: concluding without one is a choice the request
    makes explicitly, with its reason.
    """
    marked = "inconclusive_reason" in changes and changes["inconclusive_reason"] is not None
    reason = (changes.get("inconclusive_reason") or "").strip()
    if observed is not None:
        if reason:
            raise InvalidInput(
                "inconclusive_reason: a test with an observed value is not inconclusive; its "
                "outcome follows from the value. Give either the value or the reason, not both.",
                details=[{"field": "inconclusive_reason", "message": "not with an observed value"}],
            )
        return ""
    if marked and not reason:
        raise InvalidInput(
            "inconclusive_reason: say why the test is inconclusive, for example what stopped "
            "you from observing a value.",
            details=[{"field": "inconclusive_reason", "message": "required when inconclusive"}],
        )
    if not reason:
        raise InvalidInput(
            "observed_value: enter the value you observed. If there is none, conclude the test "
            "as inconclusive and say why.",
            details=[
                {
                    "field": "observed_value",
                    "message": "required, unless inconclusive_reason says why there is none",
                }
            ],
        )
    return reason


def _check_observed(operator: CriterionOperator, observed: float | None) -> None:
    if operator in NUMERIC_OPERATORS or observed is None or observed in (0, 1):
        return
    raise InvalidInput(
        f"observed_value: a '{operator.value}' criterion is answered with 1 (yes) or 0 (no), "
        f"not {observed:g}.",
        details=[{"field": "observed_value", "message": "1 (yes) or 0 (no)"}],
    )


def _started_tests(session: Session, ctx: WorkspaceContext, assumption_id: int) -> int:
    return repository.count_started_tests(session, ctx, assumption_id)


def update_assumption(
    *,
    session: Session,
    ctx: WorkspaceContext,
    row: Assumption,
    payload: AssumptionUpdate,
    current: Callable[[], Any],
) -> Assumption:
    """Edit an assumption; once a test of it has started, what it states and how it is
    classed hold."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    fixed = {
        k: v for k, v in changes.items() if k in ASSUMPTION_FIXED_FIELDS and v != getattr(row, k)
    }
    for name in ("statement", "category", "critical"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"{name}: cannot be empty.", details=[{"field": name, "message": "required"}]
            )
    if fixed and _started_tests(session, ctx, row.id or 0):
        # Rewording or reclassing a tested assumption, or un-marking it as critical, would
        # quietly change what its tests showed.
        raise Conflict(
            "This assumption has a running or concluded test, so its statement, category and "
            "whether it is critical are fixed: the test's result answers the assumption as it "
            "was worded. To test a different assumption, add a new one.",
            code="assumption_fixed",
            details={"fields": sorted(fixed)},
        )
    return update_row(session, ctx, row, changes, version=payload.version, current=current)


def delete_assumption(*, session: Session, ctx: WorkspaceContext, row: Assumption) -> Assumption:
    """Soft-delete an assumption that no test has started on."""
    if _started_tests(session, ctx, row.id or 0):
        raise Conflict(
            "This assumption has running or concluded tests; it stays so their results stay "
            "visible.",
            code="assumption_fixed",
        )
    return soft_delete(session, ctx, row)


def delete_test(*, session: Session, ctx: WorkspaceContext, row: AssumptionTest) -> AssumptionTest:
    """Soft-delete a planned test; running and concluded tests stay visible."""
    if TestStatus(row.status) != TestStatus.planned:
        raise Conflict(
            f"This test is {TestStatus(row.status).value}; it stays visible. Conclude it as "
            "inconclusive with what you learned instead.",
            code="criterion_fixed" if row.status == TestStatus.running else "test_concluded",
        )
    return soft_delete(session, ctx, row)


def critical_assumptions(
    *, session: Session, ctx: WorkspaceContext, problem: Problem
) -> list[CriticalAssumptionRead]:
    """Each critical assumption of a problem with its state: untested, running or an outcome."""

    card = current_scorecard(session=session, ctx=ctx, problem=problem)
    test_ids: dict[int, list[int]] = {}
    for test in repository.tests_of_problem(session, ctx, problem.id or 0):
        test_ids.setdefault(test.assumption_id, []).append(test.id or 0)
    return [
        CriticalAssumptionRead(
            assumption_id=a.assumption_id,
            statement=a.statement,
            category=a.category,
            state=a.state,
            test_ids=test_ids.get(a.assumption_id, []),
        )
        for a in card.critical_assumptions
    ]

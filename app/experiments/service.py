"""Rules of assumption tests: the success criterion is fixed before the test runs, and the
outcome is computed from it, never typed in."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.db import utcnow
from app.enums import CriterionOperator, TestOutcome, TestStatus
from app.errors import Conflict, InvalidInput
from app.experiments.models import (
    Assumption,
    AssumptionCreate,
    AssumptionTest,
    TestCreate,
    TestUpdate,
)
from app.problems.models import Problem
from app.rows import add_row, ensure_in_workspace, update_row
from app.workspaces.deps import WorkspaceContext

CRITERION_FIELDS = ("method", "metric", "operator", "threshold")
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
    takes the observed value and computes the outcome.
    """
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
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
    operator = CriterionOperator(changes.get("operator") or row.operator)
    threshold = changes["threshold"] if "threshold" in changes else row.threshold
    _check_criterion(operator, threshold)
    now = utcnow()
    if criterion_changes:
        changes["criterion_fixed_at"] = now
    if new_status == TestStatus.running and status == TestStatus.planned:
        changes["started_at"] = now
    if new_status == TestStatus.concluded:
        observed = changes.get("observed_value", row.observed_value)
        if observed is None and not changes.get("learning"):
            raise InvalidInput(
                "observed_value: concluding a test needs the observed value, or a learning "
                "that explains why there is none (the test is then inconclusive).",
                details=[{"field": "observed_value", "message": "required to conclude"}],
            )
        changes["outcome"] = outcome_for(operator, threshold, observed)
        changes["concluded_at"] = now
        changes.setdefault("started_at", row.started_at or now)
    elif "observed_value" in changes and changes["observed_value"] is not None:
        raise InvalidInput(
            "observed_value: record the observed value when you conclude the test (status concluded).",
            details=[{"field": "observed_value", "message": "only when concluding"}],
        )
    return update_row(session, ctx, row, changes, version=payload.version, current=current)

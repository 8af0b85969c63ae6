"""Which tables make up a workspace, in the order they can be written back, and how the ids
inside rows and JSON snapshots point at other tables."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table on the metadata)

# Parents before children; scorecards are left out: they are recomputed from these.
WORKSPACE_TABLES: tuple[str, ...] = (
    "segment",
    "participant",
    "problem",
    "problem_tag",
    "kill_criteria_change",
    "interview",
    "interview_problem",
    "evidence_item",
    "assumption",
    "assumption_test",
    "decision",
    "membership",
    "imported_row",
    "audit_event",
)
# Tables without a workspace_id of their own, reached through their parent.
LINK_TABLES = {
    "problem_tag": ("problem_id", "problem"),
    "interview_problem": ("interview_id", "interview"),
}

# Id-holding keys inside JSON (audit snapshots, frozen scorecards) and the table they point at.
JSON_ID_KEYS = {
    "workspace_id": "workspace",
    "problem_id": "problem",
    "problem_ids": "problem",
    "participant_id": "participant",
    "participant_ids": "participant",
    "segment_id": "segment",
    "interview_id": "interview",
    "evidence_id": "evidence_item",
    "evidence_ids": "evidence_item",
    "set_by_evidence_id": "evidence_item",
    "capped_by_evidence_id": "evidence_item",
    "assumption_id": "assumption",
    "test_id": "assumption_test",
    "decision_id": "decision",
    "decision_ids": "decision",
    "superseded_by_id": "decision",
    "owner_id": "user",
    "created_by": "user",
    "conducted_by": "user",
    "decided_by": "user",
    "changed_by": "user",
    "actor_id": "user",
    "user_id": "user",
    "logged_by": "user",
}
# Audit entities whose entity_id is a row of another table.
AUDIT_ENTITY_TABLES = {"interview_problem": "interview"}


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def foreign_keys(name: str) -> dict[str, str]:
    """Column -> referred table, for one table."""
    return {fk.parent.name: fk.column.table.name for fk in table(name).foreign_keys}


def has_serial_id(name: str) -> bool:
    return [c.name for c in table(name).primary_key.columns] == ["id"]


Lookup = Callable[[str, int], int | None]


def remap_json(value: Any, lookup: Lookup, entity: str | None = None) -> Any:
    """A copy of a JSON value with every id it holds translated by `lookup(table, id)`."""
    if isinstance(value, list):
        return [remap_json(item, lookup) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        target = entity if key == "id" and entity else JSON_ID_KEYS.get(key)
        if target and isinstance(item, int) and not isinstance(item, bool):
            result[key] = lookup(target, item)
        elif target and isinstance(item, list) and all(isinstance(i, int) for i in item):
            result[key] = [lookup(target, i) for i in item]
        else:
            result[key] = remap_json(item, lookup)
    return result

"""Bulk edits of evidence: many items moved, re-tagged or deleted as one audited, undoable
action, in bounded statements (chunks of ids), whatever the number of items."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import and_, delete, insert, update
from sqlmodel import Session, col, select

from app.db import touch_problems, utcnow
from app.enums import Frequency, InterviewKind, Signal, Stance
from app.errors import Conflict, InvalidInput, NotFound
from app.kit.audit import AuditEvent, record
from app.kit.rows import Page, ensure_in_workspace, paginate, rows_by_id
from app.problems.models import Problem
from app.research.models import EvidenceItem, Interview, InterviewProblem, Participant
from app.validation import Id
from app.workspaces.deps import WorkspaceContext

CHUNK = 500
MAX_ITEMS = 100_000
BULK_ACTION = "bulk_edit"
UNDO_ACTION = "bulk_undo"
# The columns a bulk edit can change, and so the before values an undo puts back.
TAGS = ("problem_id", "signal", "stance", "severity", "frequency")


class EvidenceSelection(BaseModel):
    """Which evidence items a list shows: every filter given must hold."""

    problem_id: Id | None = None
    signal: Signal | None = None
    stance: Stance | None = None
    severity: int | None = Field(default=None, ge=1, le=5)
    participant_id: Id | None = None
    interview_kind: InterviewKind | None = None
    q: str | None = Field(default=None, max_length=200, description="Words in the quote.")

    def is_empty(self) -> bool:
        return not any(v not in (None, "") for v in self.model_dump().values())


class BulkChange(BaseModel):
    """What to do to every selected item; `delete` excludes the other changes."""

    problem_id: Id | None = Field(default=None, description="Move them to this problem.")
    signal: Signal | None = Field(default=None, description="Its stance comes with it.")
    stance: Stance | None = Field(default=None, description="Must agree with the signal.")
    severity: int | None = Field(default=None, ge=1, le=5)
    clear_severity: bool = False
    frequency: Frequency | None = None
    clear_frequency: bool = False
    delete: bool = False

    @model_validator(mode="after")
    def _something(self) -> "BulkChange":
        changes = self.values()
        if self.delete and changes:
            raise ValueError("delete the items or change them, not both")
        if not self.delete and not changes:
            raise ValueError("choose a change to apply: a problem, a signal, a severity...")
        if (
            self.stance is not None
            and self.signal is not None
            and self.stance != self.signal.stance
        ):
            raise ValueError(
                f"signal '{self.signal.value}' {self.signal.stance.value} the problem, "
                f"so the stance cannot be '{self.stance.value}'"
            )
        return self

    def values(self) -> dict[str, Any]:
        """The columns to set, and their new values."""
        out: dict[str, Any] = {}
        if self.problem_id is not None:
            out["problem_id"] = self.problem_id
        if self.signal is not None:
            out["signal"] = self.signal.value
            out["stance"] = self.signal.stance.value
        elif self.stance is not None:
            out["stance"] = self.stance.value
        if self.clear_severity:
            out["severity"] = None
        elif self.severity is not None:
            out["severity"] = self.severity
        if self.clear_frequency:
            out["frequency"] = None
        elif self.frequency is not None:
            out["frequency"] = self.frequency.value
        return out


class BulkEdit(BaseModel):
    """Items by id, or every item matching a filter; and the change."""

    ids: list[Id] | None = Field(default=None, max_length=MAX_ITEMS)
    filter: EvidenceSelection | None = None
    change: BulkChange
    seen_at: datetime | None = Field(
        default=None,
        description="When the list was loaded: items edited after it are left as they are and "
        "reported, so nobody's edit is overwritten unseen.",
    )

    @model_validator(mode="after")
    def _one_selection(self) -> "BulkEdit":
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or a filter")
        return self


class BulkResult(BaseModel):
    event_id: int | None = Field(description="The audit event; undo it with its id.")
    action: Literal["update", "delete", "undo"]
    changed: int
    skipped: list[int] = Field(description="Items edited by someone else meanwhile: untouched.")
    problem_ids: list[int] = Field(description="Problems whose scorecard moved.")


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def selection_query(ctx: WorkspaceContext, f: EvidenceSelection) -> Any:
    """The live evidence items of the workspace that the filter keeps (a select of items)."""
    stmt = select(EvidenceItem).where(
        EvidenceItem.workspace_id == ctx.id, col(EvidenceItem.deleted_at).is_(None)
    )
    for name in ("problem_id", "signal", "stance", "severity", "participant_id"):
        value = getattr(f, name)
        if value is not None:
            stmt = stmt.where(getattr(EvidenceItem, name) == value)
    if f.interview_kind is not None:
        kind = select(Interview.id).where(
            Interview.workspace_id == ctx.id, Interview.kind == f.interview_kind
        )
        stmt = stmt.where(col(EvidenceItem.interview_id).in_(kind))
    for word in (f.q or "").split():
        stmt = stmt.where(col(EvidenceItem.quote).ilike(f"%{_escape(word)}%", escape="\\"))
    return stmt


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_COLUMNS = (
    col(EvidenceItem.id),
    col(EvidenceItem.version),
    col(EvidenceItem.updated_at),
    col(EvidenceItem.interview_id),
    *(getattr(EvidenceItem, name) for name in TAGS),
)


def _selected_rows(session: Session, ctx: WorkspaceContext, payload: BulkEdit) -> list[Any]:
    """The selected items' ids, versions and tags (never the quotes), locked on PostgreSQL."""
    if payload.filter is not None:
        stmt = selection_query(ctx, payload.filter).with_only_columns(*_COLUMNS)
        rows = list(session.execute(stmt.order_by(col(EvidenceItem.id)).with_for_update()).all())
        if len(rows) > MAX_ITEMS:
            raise InvalidInput(f"At most {MAX_ITEMS:,} items at once: narrow the filter.")
        return rows
    rows = []
    wanted = sorted(set(payload.ids or []))
    for part in chunks(wanted):
        stmt = (
            select(*_COLUMNS)
            .where(
                EvidenceItem.workspace_id == ctx.id,
                col(EvidenceItem.deleted_at).is_(None),
                col(EvidenceItem.id).in_(part),
            )
            .with_for_update()
        )
        rows.extend(session.execute(stmt).all())
    missing = set(wanted) - {r.id for r in rows}
    if missing:
        first = ", ".join(str(i) for i in sorted(missing)[:5])
        raise InvalidInput(
            f"ids: {len(missing)} of these items are not live evidence of this workspace "
            f"(e.g. {first}). Reload the list.",
            details=[{"field": "ids", "message": "not found in this workspace"}],
        )
    return rows


def _check_stance(rows: Iterable[Any], change: dict[str, Any]) -> None:
    if "stance" not in change or "signal" in change:
        return
    clash = [r.id for r in rows if Signal(r.signal).stance.value != change["stance"]]
    if clash:
        raise InvalidInput(
            f"stance: {len(clash)} of these items have a signal of the other stance; "
            "choose a signal instead (its stance comes with it).",
            details=[{"field": "stance", "message": "does not match the signal"}],
        )


def _tags(row: Any) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in TAGS}


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _add_coverage(session: Session, interview_ids: set[int], problem_id: int) -> list[int]:
    """Cover the target problem in the moved items' interviews (as adding evidence does);
    returns the interviews that did not cover it yet, so an undo can take that back."""
    added: list[int] = []
    for part in chunks(sorted(interview_ids)):
        have = set(
            session.exec(
                select(InterviewProblem.interview_id).where(
                    col(InterviewProblem.interview_id).in_(part),
                    InterviewProblem.problem_id == problem_id,
                )
            ).all()
        )
        new = [i for i in part if i not in have]
        if new:
            session.execute(
                insert(InterviewProblem),
                [{"interview_id": i, "problem_id": problem_id} for i in new],
            )
        added.extend(new)
    return added


def apply(*, session: Session, ctx: WorkspaceContext, payload: BulkEdit) -> BulkResult:
    """Change or delete every selected item as one audited action (undo puts it back)."""
    change = payload.change.values()
    if "problem_id" in change:
        ensure_in_workspace(session, Problem, ctx, change["problem_id"], "change.problem_id")
    rows = _selected_rows(session, ctx, payload)
    seen_at = payload.seen_at
    skipped = [r.id for r in rows if seen_at is not None and r.updated_at > seen_at]
    skipped_set = set(skipped)
    rows = [r for r in rows if r.id not in skipped_set]
    _check_stance(rows, change)
    now = utcnow()
    values = {"deleted_at": now} if payload.change.delete else change
    ids = [r.id for r in rows]
    for part in chunks(ids):
        session.execute(
            update(EvidenceItem)
            .where(col(EvidenceItem.id).in_(part))
            .values(**values, version=EvidenceItem.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    covered: list[int] = []
    if "problem_id" in change:
        interviews = {r.interview_id for r in rows if r.interview_id is not None}
        covered = _add_coverage(session, interviews, change["problem_id"])
    problems = {r.problem_id for r in rows} | (
        {change["problem_id"]} if rows and "problem_id" in change else set()
    )
    touch_problems(session, problems)
    action: Literal["update", "delete"] = "delete" if payload.change.delete else "update"
    event = record(
        session=session,
        workspace_id=ctx.id,
        actor_id=ctx.user_id,
        action=BULK_ACTION,
        entity="evidence_item",
        entity_id=None,
        before={
            "ids": None if payload.ids is None else sorted(set(payload.ids)),
            "filter": None if payload.filter is None else payload.filter.model_dump(mode="json"),
            "items": {str(r.id): _tags(r) for r in rows},
        },
        after={
            "action": action,
            "change": values if action == "update" else {"deleted": True},
            "at": now.isoformat(),
            "skipped": skipped,
            "covered": covered,
        },
    )
    session.expire_all()  # rows loaded earlier in this session show the new values
    session.flush()
    return BulkResult(
        event_id=event.id,
        action=action,
        changed=len(ids),
        skipped=skipped,
        problem_ids=sorted(problems),
    )


def undo(*, session: Session, ctx: WorkspaceContext, event_id: int) -> BulkResult:
    """Put back what a bulk edit changed: the before values, the deleted items, the moves.
    Items edited since are left as they are and reported."""
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.id == event_id,
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.action == BULK_ACTION,
        )
    ).first()
    if event is None or event.before is None or event.after is None:
        raise NotFound(f"No bulk edit {event_id} in this workspace.")
    done = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.action == UNDO_ACTION,
            AuditEvent.entity_id == event_id,
        )
    ).first()
    if done is not None:
        raise Conflict("This bulk edit was undone already.", code="already_undone")
    items: dict[str, dict[str, Any]] = event.before["items"]
    deleted = event.after["action"] == "delete"
    # An item is put back only if it still holds what the bulk edit gave it: an edit made
    # since (by someone else, or by hand) is kept.
    applied = event.after["change"]
    still = (
        [col(EvidenceItem.deleted_at).is_not(None)]
        if deleted
        else [
            col(getattr(EvidenceItem, name)).is_(None)
            if value is None
            else getattr(EvidenceItem, name) == value
            for name, value in applied.items()
        ]
    )
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for key, tags in items.items():
        groups[tuple(tags[name] for name in TAGS)].append(int(key))
    now = utcnow()
    restored: list[int] = []
    for before, ids in groups.items():
        values = {"deleted_at": None} if deleted else dict(zip(TAGS, before, strict=True))
        for part in chunks(sorted(ids)):
            stmt = (
                update(EvidenceItem)
                .where(
                    col(EvidenceItem.id).in_(part), col(EvidenceItem.workspace_id) == ctx.id, *still
                )
                .values(**values, version=EvidenceItem.version + 1, updated_at=now)
                .returning(col(EvidenceItem.id))
                .execution_options(synchronize_session=False)
            )
            restored.extend(session.execute(stmt).scalars().all())
    skipped = sorted(set(int(k) for k in items) - set(restored))
    target = applied.get("problem_id")
    covered: list[int] = event.after.get("covered", [])
    if target is not None:
        _remove_coverage(session, covered, target)
    problems = {int(t["problem_id"]) for t in items.values()} | ({target} if target else set())
    touch_problems(session, problems)
    undo_event = record(
        session=session,
        workspace_id=ctx.id,
        actor_id=ctx.user_id,
        action=UNDO_ACTION,
        entity="audit_event",
        entity_id=event_id,
        before=None,
        after={"restored": len(restored), "skipped": skipped},
    )
    session.expire_all()
    session.flush()
    return BulkResult(
        event_id=undo_event.id,
        action="undo",
        changed=len(restored),
        skipped=skipped,
        problem_ids=sorted(problems),
    )


def _remove_coverage(session: Session, interview_ids: list[int], problem_id: int) -> None:
    """Take back the coverage a move added, unless evidence of the problem is there again."""
    for part in chunks(sorted(interview_ids)):
        still = select(EvidenceItem.interview_id).where(
            col(EvidenceItem.interview_id).in_(part),
            EvidenceItem.problem_id == problem_id,
            col(EvidenceItem.deleted_at).is_(None),
            col(EvidenceItem.interview_id).is_not(None),
        )
        session.execute(
            delete(InterviewProblem).where(
                and_(
                    col(InterviewProblem.interview_id).in_(part),
                    col(InterviewProblem.problem_id) == problem_id,
                    col(InterviewProblem.interview_id).not_in(still),
                )
            )
        )


@dataclass
class EvidenceList:
    """One page of the evidence a filter keeps, with what the page shows beside each item."""

    items: list[EvidenceItem]
    total: int
    problems: dict[int, Problem]
    participants: dict[int, Participant]
    interviews: dict[int, Interview]


def evidence_list(
    *, session: Session, ctx: WorkspaceContext, f: EvidenceSelection, offset: int, limit: int
) -> EvidenceList:
    """The items the filter keeps, newest first, one page of them and their total."""
    items, total = paginate(
        session,
        selection_query(ctx, f),
        Page(limit=limit, offset=offset),
        order_by=(col(EvidenceItem.id).desc(),),
    )
    return EvidenceList(
        items=items,
        total=total,
        problems=rows_by_id(session, Problem, ctx, (i.problem_id for i in items)),
        participants=rows_by_id(
            session, Participant, ctx, (i.participant_id for i in items if i.participant_id)
        ),
        interviews=rows_by_id(
            session, Interview, ctx, (i.interview_id for i in items if i.interview_id)
        ),
    )


def describe(*, session: Session, ctx: WorkspaceContext, event_id: int) -> dict[str, Any] | None:
    """What a bulk edit did, for the notice that offers to undo it (None: not one of ours)."""
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.id == event_id,
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.action == BULK_ACTION,
        )
    ).first()
    if event is None or event.before is None or event.after is None:
        return None
    undone = session.exec(
        select(AuditEvent).where(
            AuditEvent.workspace_id == ctx.id,
            AuditEvent.action == UNDO_ACTION,
            AuditEvent.entity_id == event_id,
        )
    ).first()
    change = event.after["change"]
    target = change.get("problem_id")
    return {
        "id": event_id,
        "action": event.after["action"],
        "count": len(event.before["items"]),
        "skipped": len(event.after["skipped"]),
        "change": change,
        "target": session.get(Problem, target) if target else None,
        "undone": None if undone is None else undone.after,
    }

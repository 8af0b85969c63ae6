"""Import highlights from a CSV file, one row per highlight.

The whole file is checked first and every bad row reported with its line number; nothing is
written unless every row is good or the user chooses to import the good rows. Rows are written
in batches, one transaction each; every row is remembered by a hash of its content, so running
the same file again (after a crash, or by mistake) adds nothing twice.
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.dataio.models import CsvColumnMapping, ImportedRow
from app.db import WRITE_INTENT, touch_problems, utcnow
from app.enums import Frequency, InterviewKind, Signal, Stance
from app.errors import InvalidInput, Unavailable
from app.kit.audit import AuditEvent
from app.problems.models import Problem, ProblemCreate
from app.problems.service import create_problem
from app.research.models import (
    NOTES_MAX,
    QUOTE_MAX,
    EvidenceItem,
    Interview,
    InterviewProblem,
    Participant,
    Segment,
    SegmentCreate,
)
from app.research.service import create_segment, latest_today
from app.workspaces.deps import WorkspaceContext

# field -> the header names accepted for it (compared lower-case, spaces as underscores)
COLUMNS: dict[str, tuple[str, ...]] = {
    "participant": ("participant", "participant_name", "name"),
    "segment": ("segment", "participant_segment"),
    "interview_date": ("interview_date", "date", "occurred_on"),
    "interview_kind": ("interview_kind", "kind", "type"),
    "quote": ("quote", "highlight", "observation"),
    "problem": ("problem", "problem_title", "problem_id"),
    "stance": ("stance",),
    "signal": ("signal",),
    "severity": ("severity",),
    "frequency": ("frequency",),
    "interview_title": ("interview_title",),
    "interview_notes": ("interview_notes", "notes"),
    "participant_title": ("participant_title", "role", "job_title"),
    "organisation": ("organisation", "organization", "participant_organisation", "company"),
    "contact": ("contact", "participant_contact", "email"),
    "segment_size": ("segment_size",),
}
REQUIRED = ("participant", "interview_date", "quote", "problem", "signal")
BATCH_SIZE = 2000
PREVIEW_ROWS = 10
# The longest value a cell may hold, in characters; a longer one is its row's error.
FIELD_MAX = 128 * 1024
# The csv module stops reading at a value over its own limit (128 KiB), and everything after it
# would be lost. The file is already in memory, so the reader may take any value and FIELD_MAX is
# applied per row instead. The limit is per process; this only ever raises it.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


class RowError(BaseModel):
    line: int
    message: str


class ErrorGroup(BaseModel):
    """Rows refused for the same reason: one line of the preview, however many they are."""

    message: str
    count: int
    lines: list[int] = Field(description="The first few line numbers.")
    missing_problem: str | None = Field(
        default=None, description="The title of the missing problem these rows name, if so."
    )


ERROR_LINES_SHOWN = 5
NO_PROBLEM = "no problem with this title or id in the workspace"


class ImportRow(BaseModel):
    """One good row, checked and resolved (its problem found in the workspace)."""

    line: int
    participant: str
    segment: str | None
    occurred_on: date
    kind: InterviewKind
    quote: str
    problem_id: int
    problem_title: str
    stance: Stance
    signal: Signal
    severity: int | None
    frequency: Frequency | None
    # What the rows say about the interview, participant and segment they create (the first
    # row of each says it); not a part of the highlight, so not a part of its key.
    interview_title: str = ""
    interview_notes: str = ""
    participant_title: str = ""
    organisation: str = ""
    contact: str = ""
    segment_size: int | None = None

    @property
    def key(self) -> str:
        """A hash of what the row says: the same row always gets the same key."""
        parts = [
            self.participant.casefold(),
            (self.segment or "").casefold(),
            self.occurred_on.isoformat(),
            self.kind.value,
            self.quote,
            str(self.problem_id),
            self.stance.value,
            self.signal.value,
            str(self.severity or ""),
            self.frequency.value if self.frequency else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class CheckedFile(BaseModel):
    """A checked file: how its columns map to fields, its good rows and its bad ones."""

    columns: dict[str, str]
    ignored_columns: list[str]
    rows: list[ImportRow]
    errors: list[RowError]
    new_problems: dict[str, int] = Field(
        default_factory=dict, description="Problems to create: title -> rows naming it."
    )

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.errors)

    @property
    def error_groups(self) -> list[ErrorGroup]:
        return group_errors(self.errors)


def group_errors(errors: Iterable[RowError]) -> list[ErrorGroup]:
    """Identical reasons together, most frequent first, with their first line numbers."""
    groups: dict[str, ErrorGroup] = {}
    for error in errors:
        group = groups.get(error.message)
        if group is None:
            missing = None
            if error.message.endswith(NO_PROBLEM) and error.message.startswith("problem '"):
                missing = error.message.removeprefix("problem '").rsplit("': ", 1)[0]
            group = groups[error.message] = ErrorGroup(
                message=error.message, count=0, lines=[], missing_problem=missing
            )
        group.count += 1
        if len(group.lines) < ERROR_LINES_SHOWN:
            group.lines.append(error.line)
    return sorted(groups.values(), key=lambda g: (-g.count, g.lines[0]))


class ImportReport(BaseModel):
    rows: int
    imported: int
    already_imported: int
    bad_rows: int
    participants_created: int = 0
    segments_created: int = 0
    interviews_created: int = 0
    problems_created: int = 0


# ---- reading and checking ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text; a clear message when it is not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "Save it as 'CSV UTF-8' (in Excel: File > Save As > CSV UTF-8) and try again.",
            code="wrong_encoding",
        ) from exc
    if "\x00" in text:
        # UTF-16 text ("Unicode Text" in Excel) decodes as UTF-8 with a NUL after every letter;
        # no database keeps NUL in text either.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidInput(
            f"The file holds a NUL character (line {line}), so it is not UTF-8 text: perhaps it "
            "was saved as UTF-16. Save it as 'CSV UTF-8' (in Excel: File > Save As > CSV UTF-8) "
            "and try again.",
            code="wrong_encoding",
        )
    return text


def _header_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _target(key: str, remembered: dict[str, str]) -> str | None:
    """The field a header holds: as the workspace mapped it, else by its usual names."""
    if key in remembered:
        return remembered[key] if remembered[key] in COLUMNS else None
    return next((f for f, aliases in COLUMNS.items() if key in aliases), None)


def map_columns(
    header: list[str], remembered: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Field -> header name as written in the file, and the headers nobody reads. A header the
    workspace mapped before (`remembered`: header key -> field, "" to ignore it) goes where it
    went then."""
    mapping: dict[str, str] = {}
    ignored = []
    remembered = remembered or {}
    for name in header:
        target = _target(_header_key(name), remembered)
        if target is None or target in mapping:
            ignored.append(name)
        else:
            mapping[target] = name
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise InvalidInput(
            f"The file has no column for {', '.join(missing)}. Expected columns: "
            f"{', '.join(COLUMNS)} (the first row must name them; found: "
            f"{', '.join(header) or 'nothing'}).",
            code="missing_columns",
            details={"missing": missing, "found": header},
        )
    return mapping, ignored


NEW_PROBLEM = 0  # the problem id of a row whose problem the import creates


class _Problems:
    """The workspace's live problems, found by id or by title (case-insensitive)."""

    def __init__(self, session: Session, ctx: WorkspaceContext, *, create: bool = False) -> None:
        self.create = create
        self.new: dict[str, str] = {}  # casefolded title -> the title as first written
        self.new_counts: dict[str, int] = {}
        rows = session.exec(
            select(Problem.id, Problem.title).where(
                Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None)
            )
        ).all()
        self.titles: dict[int, str] = {pid: title for pid, title in rows if pid is not None}
        self.by_title: dict[str, list[int]] = {}
        for pid, title in self.titles.items():
            self.by_title.setdefault(title.strip().casefold(), []).append(pid)

    def find(self, value: str) -> int:
        ids = self.by_title.get(value.casefold(), [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise ValueError(f"problem '{value}': several problems have this title; use its id")
        if value.isdigit() and int(value) in self.titles:
            return int(value)
        if self.create and not value.isdigit():
            if len(value) > 200:
                raise ValueError("problem title is longer than 200 characters")
            key = value.casefold()
            self.new.setdefault(key, value)
            self.new_counts[key] = self.new_counts.get(key, 0) + 1
            return NEW_PROBLEM
        raise ValueError(f"problem '{value}': {NO_PROBLEM}")

    def title_of(self, problem_id: int, value: str) -> str:
        return self.new[value.casefold()] if problem_id == NEW_PROBLEM else self.titles[problem_id]


def _choice(enum: Any, value: str, name: str) -> Any:
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return enum(key)
    except ValueError:
        raise ValueError(
            f"{name} '{value}' is not one of {', '.join(e.value for e in enum)}"
        ) from None


def _check_row(raw: dict[str, str], line: int, problems: _Problems) -> ImportRow:
    def text(name: str) -> str:
        return (raw.get(name) or "").strip()

    for name in REQUIRED:
        if not text(name):
            raise ValueError(f"{name.replace('_', ' ')} is empty")
    participant = text("participant")
    if len(participant) > 200:
        raise ValueError("participant is longer than 200 characters")
    quote = text("quote")
    if len(quote) > QUOTE_MAX:
        raise ValueError(f"quote is longer than {QUOTE_MAX} characters")
    try:
        occurred_on = date.fromisoformat(text("interview_date"))
    except ValueError:
        raise ValueError(
            f"interview date '{text('interview_date')}' is not a date like 2026-03-31"
        ) from None
    if occurred_on > latest_today():
        raise ValueError(f"interview date {occurred_on.isoformat()} is in the future")
    kind = (
        _choice(InterviewKind, text("interview_kind"), "interview kind")
        if text("interview_kind")
        else InterviewKind.interview
    )
    signal = _choice(Signal, text("signal"), "signal")
    stance = _choice(Stance, text("stance"), "stance") if text("stance") else signal.stance
    if stance != signal.stance:
        raise ValueError(
            f"signal '{signal.value}' {signal.stance.value} the problem, so the stance cannot be "
            f"'{stance.value}'"
        )
    severity = None
    if text("severity"):
        if not text("severity").isdigit() or not 1 <= int(text("severity")) <= 5:
            raise ValueError(f"severity '{text('severity')}' is not a whole number from 1 to 5")
        severity = int(text("severity"))
    frequency = _choice(Frequency, text("frequency"), "frequency") if text("frequency") else None
    segment = text("segment") or None
    if segment and len(segment) > 200:
        raise ValueError("segment is longer than 200 characters")
    segment_size = None
    if text("segment_size"):
        size = text("segment_size").replace(",", "").replace("_", "")
        if not size.isdigit() or len(size) > 12:
            raise ValueError(f"segment size '{text('segment_size')}' is not a whole number")
        segment_size = int(size)
    limits = {
        "interview_title": 200,
        "interview_notes": NOTES_MAX,
        "participant_title": 200,
        "organisation": 200,
        "contact": 500,
    }
    for name, limit in limits.items():
        if len(text(name)) > limit:
            raise ValueError(f"{name.replace('_', ' ')} is longer than {limit} characters")
    problem_id = problems.find(text("problem"))
    return ImportRow(
        line=line,
        participant=participant,
        segment=segment,
        occurred_on=occurred_on,
        kind=kind,
        quote=quote,
        problem_id=problem_id,
        problem_title=problems.title_of(problem_id, text("problem")),
        stance=stance,
        signal=signal,
        severity=severity,
        frequency=frequency,
        interview_title=text("interview_title"),
        interview_notes=(raw.get("interview_notes") or "").strip(),
        participant_title=text("participant_title"),
        organisation=text("organisation"),
        contact=text("contact"),
        segment_size=segment_size,
    )


def known_columns(header: list[str], *, session: Session, ctx: WorkspaceContext) -> dict[str, str]:
    """Field -> header for the columns already placed (for the mapping step's choices)."""
    remembered = remembered_mapping(session, ctx)
    known: dict[str, str] = {}
    for name in header:
        target = _target(_header_key(name), remembered)
        if target is not None and target not in known:
            known[target] = name
    return known


def remembered_mapping(session: Session, ctx: WorkspaceContext) -> dict[str, str]:
    """The workspace's column mapping from its last mapping step (header key -> field)."""
    row = session.get(CsvColumnMapping, ctx.id)
    return dict(row.mapping) if row is not None else {}


def remember_mapping(session: Session, ctx: WorkspaceContext, choices: dict[str, str]) -> None:
    """Keep these choices (header as written -> field, "" to ignore) for the next files."""
    for field_name in choices.values():
        if field_name and field_name not in COLUMNS:
            raise InvalidInput(f"'{field_name}' is not a column the import reads.")
    taken = [f for f in choices.values() if f]
    twice = sorted({f for f in taken if taken.count(f) > 1})
    if twice:
        raise InvalidInput(
            f"Each field can come from one column only: {', '.join(twice)} chosen twice."
        )
    row = session.get(CsvColumnMapping, ctx.id) or CsvColumnMapping(workspace_id=ctx.id)
    row.mapping = dict(row.mapping) | {_header_key(k): v for k, v in choices.items()}
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def read_header(data: bytes) -> list[str]:
    """The file's first row, for the mapping step."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def check_file(
    *, session: Session, ctx: WorkspaceContext, data: bytes, create_problems: bool = False
) -> CheckedFile:
    """Read and check every row of a CSV file; nothing is written. With `create_problems`, a
    problem title the workspace does not know is a problem to create, not a bad row."""
    text = decode(data)
    # The header row decides the delimiter (Excel writes ';' in some locales).
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("The file is empty.", code="empty_file") from None
    except csv.Error as exc:
        raise InvalidInput(f"The file is not valid CSV: {exc}.") from exc
    mapping, ignored = map_columns(header, remembered_mapping(session, ctx))
    index = {name: header.index(column) for name, column in mapping.items()}
    problems = _Problems(session, ctx, create=create_problems)
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # That row is reported; the reader goes on with the next line.
            errors.append(RowError(line=reader.line_num, message=f"not valid CSV: {exc}"))
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            errors.append(
                RowError(line=line, message=f"{len(values)} values for {len(header)} columns")
            )
            continue
        too_long = next((i for i, v in enumerate(values) if len(v) > FIELD_MAX), None)
        if too_long is not None:
            errors.append(
                RowError(
                    line=line,
                    message=f"the value in column '{header[too_long]}' is "
                    f"{len(values[too_long])} characters long; a value can hold at most "
                    f"{FIELD_MAX} characters",
                )
            )
            continue
        raw = {name: values[i] if i < len(values) else "" for name, i in index.items()}
        try:
            rows.append(_check_row(raw, line, problems))
        except ValueError as exc:
            errors.append(RowError(line=line, message=str(exc)))
    if not rows and not errors:
        raise InvalidInput("The file has a header row but no rows to import.", code="empty_file")
    return CheckedFile(
        columns=mapping,
        ignored_columns=ignored,
        rows=rows,
        errors=errors,
        new_problems={problems.new[k]: n for k, n in problems.new_counts.items()},
    )


# ---- writing -----------------------------------------------------------------------------------


@dataclass
class _Resolved:
    """Ids found or created so far, kept across batches."""

    segments: dict[str, int] = field(default_factory=dict)
    participants: dict[str, int] = field(default_factory=dict)
    interviews: dict[tuple[int, date, str], int] = field(default_factory=dict)
    coverage: set[tuple[int, int]] = field(default_factory=set)
    display: dict[str, str] = field(default_factory=dict)
    loaded: bool = False
    report: dict[str, int] = field(
        default_factory=lambda: {"participants": 0, "segments": 0, "interviews": 0, "problems": 0}
    )


def import_rows(
    *,
    engine: Engine,
    ctx: WorkspaceContext,
    checked: CheckedFile,
    source: str,
    good_rows: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Write the good rows in batches (one transaction each), skipping rows imported before.
    With bad rows, nothing is written unless `good_rows` is set."""
    if checked.errors and not good_rows:
        raise InvalidInput(
            f"{len(checked.errors)} of {checked.total} rows are not valid, so nothing was "
            "imported. Fix them, or choose to import the good rows only.",
            code="bad_rows",
            details=[e.model_dump() for e in checked.errors],
        )
    resolved = _Resolved()
    imported = skipped = 0
    touched: set[int] = set()
    size = batch_size or BATCH_SIZE
    try:
        if checked.new_problems:
            with writing(engine) as session:
                created = _create_problems(session, ctx, checked, resolved)
            touched |= set(created.values())
        for start in range(0, len(checked.rows), size):
            batch = checked.rows[start : start + size]
            with writing(engine) as session:
                written = _write_batch(session, ctx, batch, source, resolved)
            imported += len(written)
            skipped += len(batch) - len(written)
            touched |= {row.problem_id for row in written}
            if progress is not None:
                progress(len(batch))
        if touched:
            # Rows went in by bulk statements, which the unit of work cannot see: name the
            # problems, and their cards are refreshed as this commits.
            with writing(engine) as session:
                touch_problems(session, touched)
    except OperationalError as exc:
        # Only after waiting its turn for a long while (the busy timeout): say so, not a 500.
        raise Unavailable(
            f"The import stopped after {imported + skipped} of {len(checked.rows)} rows: the "
            f"database did not accept the changes ({exc.orig}). Send the same file again; the "
            "rows already imported are skipped.",
            code="import_interrupted",
            details={"imported": imported, "already_imported": skipped},
        ) from exc
    return ImportReport(
        rows=checked.total,
        imported=imported,
        already_imported=skipped,
        bad_rows=len(checked.errors),
        participants_created=resolved.report["participants"],
        segments_created=resolved.report["segments"],
        interviews_created=resolved.report["interviews"],
        problems_created=resolved.report["problems"],
    )


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One transaction that writes, committed at the end. It takes the write lock as it begins
    (SQLite), so it waits its turn behind other writers instead of failing half way with
    "database is locked" when it reaches its first INSERT."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={WRITE_INTENT: True})
        yield session
        session.commit()


def _write_batch(
    session: Session,
    ctx: WorkspaceContext,
    batch: list[ImportRow],
    source: str,
    resolved: _Resolved,
) -> list[ImportRow]:
    keys = [row.key for row in batch]  # hashed once per row
    done = set(
        session.exec(
            select(ImportedRow.row_key).where(
                ImportedRow.workspace_id == ctx.id, col(ImportedRow.row_key).in_(keys)
            )
        ).all()
    )
    todo: dict[str, ImportRow] = {}
    for key, row in zip(keys, batch, strict=True):
        if key not in done and key not in todo:
            todo[key] = row
    if not todo:
        return []
    rows = list(todo.values())
    _participants_for(session, ctx, rows, resolved)
    interview_ids = _interviews_for(session, ctx, rows, resolved)
    links = {(i, r.problem_id) for i, r in zip(interview_ids, rows, strict=True)}
    _cover(session, links - resolved.coverage)
    resolved.coverage |= links

    now = utcnow()
    evidence_values = [
        {
            "workspace_id": ctx.id,
            "created_by": ctx.user_id,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "version": 1,
            "problem_id": row.problem_id,
            "interview_id": interview_id,
            "participant_id": resolved.participants[row.participant.casefold()],
            "quote": row.quote,
            "stance": row.stance.value,
            "signal": row.signal.value,
            "severity": row.severity,
            "frequency": row.frequency.value if row.frequency else None,
        }
        for row, interview_id in zip(rows, interview_ids, strict=True)
    ]
    ids = _insert_rows(session, EvidenceItem, evidence_values)
    session.execute(
        insert(ImportedRow.__table__),  # type: ignore[attr-defined]
        [
            {
                "workspace_id": ctx.id,
                "row_key": key,
                "evidence_id": evidence_id,
                "source": source[:200],
                "imported_at": now,
            }
            for key, evidence_id in zip(todo, ids, strict=True)
        ],
    )
    _audit_created(
        session, ctx, "evidence_item", evidence_values, ids, now, {"imported_from": source}
    )
    return rows


def _create_problems(
    session: Session, ctx: WorkspaceContext, checked: CheckedFile, resolved: _Resolved
) -> dict[str, int]:
    """Create the problems the rows name and the workspace lacks (one audited create each),
    and point those rows at them."""
    ids: dict[str, int] = {}
    for title in checked.new_problems:
        found = session.exec(
            select(Problem.id).where(
                Problem.workspace_id == ctx.id,
                col(Problem.deleted_at).is_(None),
                func.lower(Problem.title) == title.casefold(),
            )
        ).first()
        if found is None:
            found = create_problem(session=session, ctx=ctx, payload=ProblemCreate(title=title)).id
            resolved.report["problems"] += 1
        assert found is not None
        ids[title.casefold()] = found
    for row in checked.rows:
        if row.problem_id == NEW_PROBLEM:
            row.problem_id = ids[row.problem_title.casefold()]
    return ids


def _insert_rows(session: Session, model: Any, values: list[dict[str, Any]]) -> list[int]:
    """Insert rows of one batch (same workspace, author and created_at) in bulk; their ids in
    order. SQLite cannot return ordered ids from a bulk insert, so they are read back by that
    created_at, which is unique to the batch (SQLite writers take turns)."""
    table = model.__table__
    if session.get_bind().dialect.name != "sqlite":
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), values
        )
        return list(result.scalars().all())
    session.execute(insert(table), values)
    first = values[0]
    ids = list(
        session.execute(
            select(table.c.id)
            .where(
                table.c.workspace_id == first["workspace_id"],
                table.c.created_by == first["created_by"],
                table.c.created_at == first["created_at"],
            )
            .order_by(table.c.id)
        )
        .scalars()
        .all()
    )
    assert len(ids) == len(values), "rows of another writer share this batch's timestamp"
    return ids


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


def _segment_for(
    session: Session, ctx: WorkspaceContext, name: str, resolved: _Resolved, size: int | None
) -> int:
    key = name.casefold()
    if key not in resolved.segments:
        found = session.exec(
            select(Segment.id).where(
                Segment.workspace_id == ctx.id,
                col(Segment.deleted_at).is_(None),
                func.lower(Segment.name) == key,
            )
        ).first()
        if found is None:
            payload = SegmentCreate(name=name, size=size)
            found = create_segment(session=session, ctx=ctx, payload=payload).id
            resolved.report["segments"] += 1
        assert found is not None
        resolved.segments[key] = found
    return resolved.segments[key]


def _participants_for(
    session: Session, ctx: WorkspaceContext, rows: list[ImportRow], resolved: _Resolved
) -> None:
    """Find each row's participant by name (case-insensitive); create the missing ones in bulk,
    in their segment, with their audit events."""
    if not resolved.loaded:
        # Everyone the workspace already knows, in one query; the oldest wins a shared name.
        for pid, name in session.exec(
            select(Participant.id, Participant.name)
            .where(Participant.workspace_id == ctx.id, col(Participant.deleted_at).is_(None))
            .order_by(col(Participant.id).desc())
        ).all():
            resolved.participants[name.casefold()] = pid or 0
            resolved.display[name.casefold()] = name
        resolved.loaded = True
    new: dict[str, ImportRow] = {}
    for row in rows:
        key = row.participant.casefold()
        if key not in resolved.participants and key not in new:
            new[key] = row
    if not new:
        return
    now = utcnow()
    values = [
        {
            "workspace_id": ctx.id,
            "created_by": ctx.user_id,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "version": 1,
            "name": row.participant,
            "organisation": row.organisation,
            "title": row.participant_title,
            "contact": row.contact,
            "segment_id": _segment_for(session, ctx, row.segment, resolved, row.segment_size)
            if row.segment
            else None,
        }
        for row in new.values()
    ]
    ids = _insert_rows(session, Participant, values)
    _audit_created(session, ctx, "participant", values, ids, now)
    for (key, row), pid in zip(new.items(), ids, strict=True):
        resolved.participants[key] = pid
        resolved.display[key] = row.participant
    resolved.report["participants"] += len(new)


def _interviews_for(
    session: Session, ctx: WorkspaceContext, rows: list[ImportRow], resolved: _Resolved
) -> list[int]:
    """Each row's interview: the participant's interview of that kind on that day, found or
    created once (in bulk, with its audit event)."""
    keys = [
        (resolved.participants[row.participant.casefold()], row.occurred_on, row.kind.value)
        for row in rows
    ]
    said: dict[tuple[int, date, str], ImportRow] = {}
    for key, row in zip(keys, rows, strict=True):
        if row.interview_title or row.interview_notes:
            said.setdefault(key, row)
    unknown = {key for key in keys if key not in resolved.interviews}
    if unknown:
        participant_ids = {key[0] for key in unknown}
        for interview_id, participant_id, occurred_on, kind in session.exec(
            select(
                col(Interview.id),
                col(Interview.participant_id),
                col(Interview.occurred_on),
                col(Interview.kind),
            )
            .where(
                Interview.workspace_id == ctx.id,
                col(Interview.deleted_at).is_(None),
                col(Interview.participant_id).in_(participant_ids),
            )
            .order_by(col(Interview.id).desc())
        ).all():
            key = (participant_id or 0, occurred_on, str(kind))
            if key in unknown and interview_id is not None:
                resolved.interviews[key] = interview_id
        missing = sorted(unknown - set(resolved.interviews), key=str)
        if missing:
            now = utcnow()
            names = {pid: name for name, pid in resolved.participants.items()}
            values = [
                {
                    "workspace_id": ctx.id,
                    "created_by": ctx.user_id,
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": None,
                    "version": 1,
                    "kind": kind,
                    "occurred_on": occurred_on,
                    "participant_id": participant_id,
                    "conducted_by": ctx.user_id,
                    "title": _said(said, key, "interview_title")
                    or f"Imported: {resolved.display.get(names[participant_id], '')}, "
                    f"{occurred_on.isoformat()}",
                    "notes": _said(said, key, "interview_notes"),
                }
                for key in missing
                for participant_id, occurred_on, kind in [key]
            ]
            ids = _insert_rows(session, Interview, values)
            _audit_created(session, ctx, "interview", values, ids, now)
            for key, interview_id in zip(missing, ids, strict=True):
                resolved.interviews[key] = interview_id
            resolved.report["interviews"] += len(missing)
    return [resolved.interviews[key] for key in keys]


def _said(said: dict[tuple[int, date, str], ImportRow], key: Any, name: str) -> str:
    """What the first row of an interview that says something says of it ("" if none)."""
    row = said.get(key)
    return str(getattr(row, name)) if row is not None else ""


def _audit_created(
    session: Session,
    ctx: WorkspaceContext,
    entity: str,
    values: list[dict[str, Any]],
    ids: Iterable[int],
    now: Any,
    note: dict[str, Any] | None = None,
) -> None:
    session.execute(
        insert(AuditEvent.__table__),  # type: ignore[attr-defined]
        [
            {
                "workspace_id": ctx.id,
                "actor_id": ctx.user_id,
                "action": "create",
                "entity": entity,
                "entity_id": row_id,
                "at": now,
                "before": None,
                "after": _snapshot(value | {"id": row_id}) | (note or {}),
            }
            for value, row_id in zip(values, ids, strict=True)
        ],
    )


def _cover(session: Session, links: Iterable[tuple[int, int]]) -> None:
    """A highlight on a problem means its interview covered it."""
    links = list(links)
    if not links:
        return
    interview_ids = {i for i, _ in links}
    existing = set(
        session.exec(
            select(InterviewProblem.interview_id, InterviewProblem.problem_id).where(
                col(InterviewProblem.interview_id).in_(interview_ids)
            )
        ).all()
    )
    new = [{"interview_id": i, "problem_id": p} for i, p in links if (i, p) not in existing]
    if new:
        session.execute(insert(InterviewProblem.__table__), new)  # type: ignore[attr-defined]

"""A workspace export read back as untrusted input: its shape, one row model per table built
from the table's own columns, and the limits every value keeps before anything is written."""

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.types import TypeDecorator

from app.dataio.tables import WORKSPACE_TABLES, table
from app.db import EnumText
from app.errors import InvalidInput
from app.workspaces.models import SLUG_PATTERN

FORMAT = "evident-workspace"
FORMAT_VERSION = 1
NAME_LENGTH = 200  # a workspace's name, as the column holds it
USER_FIELDS = ("id", "email", "name", "is_active", "created_at", "updated_at")
# An export is about ten levels deep (a decision's frozen scorecard inside an audit snapshot);
# far deeper is a crafted file, refused before anything walks it recursively.
MAX_DEPTH = 32
INT64 = (-(2**63), 2**63 - 1)
# Checked in this order: BigInteger and SmallInteger are kinds of Integer.
INT_RANGES: tuple[tuple[type[Integer], tuple[int, int]], ...] = (
    (BigInteger, INT64),
    (SmallInteger, (-(2**15), 2**15 - 1)),
    (Integer, (-(2**31), 2**31 - 1)),  # PostgreSQL's INTEGER; SQLite would take more
)
# What the API's forms accept for these columns, so an import stores nothing they would refuse.
DOMAIN_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("workspace", "pain_threshold"): (0, 100),
    ("workspace", "reach_threshold"): (0, 100),
    ("workspace", "feasibility_threshold"): (0, 100),
    ("workspace", "min_participants"): (1, 10_000),
    ("segment", "size"): (0, 2**31 - 1),
    ("problem", "feasibility_estimate"): (0, 100),
    ("problem", "kill_pain"): (0, 100),
    ("problem", "kill_reach"): (0, 100),
    ("problem", "kill_feasibility"): (0, 100),
    ("problem", "kill_min_participants"): (1, 10_000),
    ("evidence_item", "severity"): (1, 5),
}
# The document's workspace_id values are never used: every row goes to the new workspace.
IGNORED = "workspace_id"


KNOWN_SECTIONS = ("format", "version", "exported_at", "workspace", "users", "tables")


@dataclass
class Header:
    """The checked sections before an export's tables: rows as the columns take them, only
    the fields the file gave."""

    workspace: dict[str, Any]
    users: list[dict[str, Any]]


def check_header(header: dict[str, Any], *, has_tables: bool) -> Header:
    """The sections before the tables, checked, or a 422 naming the section, row and field."""
    if header.get("format") != FORMAT:
        raise InvalidInput("This file is not an Evident workspace export.")
    if header.get("version") != FORMAT_VERSION:
        raise InvalidInput(
            f"This export has format version {header.get('version')}; this Evident reads "
            f"version {FORMAT_VERSION}."
        )
    for key in ("workspace", "users"):
        if key not in header and has_tables:
            raise InvalidInput(
                f"The export has no '{key}' section before its tables, where an Evident "
                "export writes it."
            )
        if key not in header:
            raise InvalidInput(f"The export has no '{key}' section; is the file complete?")
    if not has_tables:
        raise InvalidInput("The export has no 'tables' section; is the file complete?")
    unknown = sorted(set(header) - set(KNOWN_SECTIONS))
    if unknown:
        raise InvalidInput(f"The export has a section this Evident does not know: {unknown[0]}.")
    workspace = _row(_section(header, "workspace", dict), "workspace", "workspace")
    users = _section(header, "users", list)
    return Header(
        workspace=workspace,
        users=[_row(user, "user", f"users[{i}]") for i, user in enumerate(users)],
    )


def check_row(name: str, index: int, row: Any) -> dict[str, Any]:
    """One row of a table, checked against the table's columns."""
    if name not in WORKSPACE_TABLES:
        raise InvalidInput(
            f"The export has a table a workspace does not have: '{name}'.",
            details=[{"table": name}],
        )
    return _row(row, name, f"tables.{name}[{index}]")


def check_slug(slug: Any) -> str:
    """A slug a new workspace can take, or a 422 in words."""
    if not isinstance(slug, str) or not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidInput(
            f"The slug {str(slug)[:80]!r} cannot name a workspace: use lowercase letters, digits "
            "and hyphens (up to 64), not starting or ending with a hyphen.",
            details=[{"field": "slug", "message": "lowercase letters, digits and hyphens"}],
        )
    return slug


def where(name: str, index: int, row: dict[str, Any]) -> str:
    """How a message names a row: its place in the file and, when it has one, its id."""
    if name in ("workspace", "user"):
        place = "workspace" if name == "workspace" else f"users[{index}]"
    else:
        place = f"tables.{name}[{index}]"
    return f"{place} (id {row['id']})" if row.get("id") is not None else place


# ---- values anywhere in the document ---------------------------------------------------------


def check_values(document: Any, path: str = "", depth: int = 0) -> None:
    """Refuse, wherever it sits, what no column can hold: nesting deeper than any export, NUL
    characters, numbers that are not finite or do not fit 64 bits, values JSON does not have.
    Walks with its own stack, so a deep document cannot exhaust Python's."""
    stack: list[tuple[Any, str, int]] = [(document, path, depth)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput(too_deep(path))
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or "\x00" in key:
                    raise InvalidInput(f"{path or 'The export'} has a key that is not plain text.")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidInput(
                    f"{path} holds a NUL character (\\u0000); text with it cannot be stored."
                )
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise InvalidInput(f"{path} holds a number too large to store: {value}.")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInput(f"{path} holds {value}, which is not a number it can store.")
        else:
            raise InvalidInput(f"{path} holds a value JSON does not have ({type(value).__name__}).")


def too_deep(where: str) -> str:
    return (
        f"The export is nested more than {MAX_DEPTH} levels deep (at {where or 'its top'}); "
        "an Evident export never is, so it was not read."
    )


def _section(document: dict[str, Any], key: str, kind: type, label: str | None = None) -> Any:
    value = document[key]
    if not isinstance(value, kind):
        shape = "an object" if kind is dict else "a list"
        raise InvalidInput(f"The export's '{label or key}' should be {shape}.")
    return value


# ---- one model per table ---------------------------------------------------------------------


def _row(row: Any, name: str, label: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise InvalidInput(f"{label} should be an object with the row's fields.")
    try:
        model = row_model(name).model_validate(row)
    except ValidationError as exc:
        place = f"{label} (id {row['id']})" if isinstance(row.get("id"), int) else label
        details = [
            {"row": place, "field": ".".join(str(p) for p in e["loc"]), "message": _message(e)}
            for e in exc.errors()[:20]
        ]
        first = details[0]
        raise InvalidInput(
            f"{place}: {first['field']}: {first['message']}.", details=details
        ) from None
    values = model.model_dump(exclude_unset=True)
    values.pop(IGNORED, None)
    return values


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "not a field this row has"
    if error["type"] == "missing":
        return "missing"
    return str(error["msg"])


@cache
def row_model(name: str) -> type[BaseModel]:
    """The row of one table as the export writes it: every column, typed and bounded as the
    column stores it; other fields are refused."""
    columns = [c for c in table(name).c if name != "user" or c.name in USER_FIELDS]
    fields: dict[str, Any] = {}
    for column in columns:
        annotation = _annotation(name, column)
        required = (
            not column.nullable
            and column.default is None
            and column.server_default is None
            and column.name != IGNORED
            and not (name == "workspace" and column.name == "id")
        )
        if column.nullable or column.name == IGNORED:
            annotation = annotation | None
        fields[column.name] = (annotation, ... if required else None)
    model: type[BaseModel] = create_model(
        f"Imported_{name}", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _annotation(name: str, column: Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, EnumText):
        return kind.enum
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    bounds = DOMAIN_RANGES.get((name, column.name))
    if isinstance(kind, Boolean):
        return StrictBool
    if isinstance(kind, Integer):
        low, high = next(r for t, r in INT_RANGES if isinstance(kind, t))
        if bounds:
            low, high = max(low, int(bounds[0])), min(high, int(bounds[1]))
        return Annotated[StrictInt, Field(ge=low, le=high)]
    if isinstance(kind, Float):
        low_f, high_f = bounds or (None, None)
        return Annotated[float, Strict(), Field(allow_inf_nan=False, ge=low_f, le=high_f)]
    if isinstance(kind, String):
        text = Annotated[StrictStr, Field(max_length=kind.length)]
        if name == "user" and column.name == "email":
            return Annotated[text, AfterValidator(_email)]
        return text
    if isinstance(kind, DateTime):
        return Annotated[datetime, BeforeValidator(_iso_text)]
    if isinstance(kind, Date):
        return Annotated[date, BeforeValidator(_iso_text)]
    if isinstance(kind, JSON):
        return dict[str, Any]  # snapshots and scorecards; their values were checked above
    raise TypeError(f"{name}.{column.name}: no import rule for {kind!r}")


def _iso_text(value: Any) -> Any:
    # Exports write ISO text; a bare number would be read as seconds since 1970.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("should be a date or time written as ISO 8601 text")
    return value


def _email(value: str) -> str:
    email = value.strip().lower()
    if "@" not in email.strip("@"):
        raise ValueError("should be an email address")
    return email

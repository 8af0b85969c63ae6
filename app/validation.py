"""What every input must be, whatever route or form brings it: numbers a column can hold and
text without NUL characters.

- Ids and counts are bounded by the INTEGER columns that keep them (32-bit on PostgreSQL), so a
  larger number is refused as invalid input instead of failing in the database.
- Request schemas derive from `Input`, which refuses NaN and infinities: no one means them, and
  one stored would break every JSON export of the workspace.
- `refuse_unreadable_input` runs before every route and refuses a NUL character anywhere in the
  path, the query, a JSON body or a form's text fields (PostgreSQL cannot store one), and the
  NaN and Infinity words some JSON writers put where a number goes.
"""

import json
from typing import Annotated, Any, NoReturn

from annotated_types import Ge, Le
from fastapi import Request
from pydantic import ConfigDict
from sqlmodel import SQLModel

from app.errors import InvalidInput

# The largest value of an INTEGER column on PostgreSQL (and so, for portability, everywhere).
MAX_INT = 2**31 - 1

# The id of a row: path, query and body alike.
Id = Annotated[int, Ge(1), Le(MAX_INT)]
# A count or size kept in an INTEGER column.
Count = Annotated[int, Ge(0), Le(MAX_INT)]
# A row's version, sent back on update to detect concurrent edits.
Version = Annotated[int, Ge(0), Le(MAX_INT)]


class Input(SQLModel):
    """Base of request schemas: a number must be finite."""

    model_config = ConfigDict(allow_inf_nan=False)  # type: ignore[assignment]


NUL = "\x00"
# A form's text field (not a file) may hold an interview's longest notes: 1,000,000 characters
# of up to 4 bytes each. Multipart parsing would otherwise stop a field at 1 MB.
FORM_FIELD_MAX_BYTES = 4_000_000
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_unreadable_input(request: Request) -> None:
    """Refuse NUL characters in any text of the request, and NaN or Infinity in JSON: 422."""
    problems = [
        *(
            (f"path.{name}", "must not contain a NUL character")
            for name, value in request.path_params.items()
            if isinstance(value, str) and NUL in value
        ),
        *(
            (f"query.{name}", "must not contain a NUL character")
            for name, value in request.query_params.multi_items()
            if NUL in name or NUL in value
        ),
    ]
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(_FORM_TYPES):
        # Parsed once: the route reads the same form.
        form = await request.form(max_part_size=FORM_FIELD_MAX_BYTES)
        problems += [
            (f"body.{name}", "must not contain a NUL character")
            for name, value in form.multi_items()
            # Uploaded files are for their importer to read; the text fields are checked here.
            if NUL in name or (isinstance(value, str) and NUL in value)
        ]
    elif "json" in content_type:
        problems += _json_problems(await request.body())
    if problems:
        _refuse(problems)


def _json_problems(body: bytes) -> list[tuple[str, str]]:
    if not body:
        return []
    try:
        document = json.loads(body, parse_constant=_not_a_number)
    except _NotANumber as exc:
        return [("body", f"{exc.word} is not a number JSON allows; send a finite number")]
    except (ValueError, RecursionError):
        return []  # not JSON the route can read either: its own validation says so
    message = "must not contain a NUL character"
    return [(f"body.{path}" if path else "body", message) for path in nul_paths(document)]


class _NotANumber(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _not_a_number(word: str) -> NoReturn:
    raise _NotANumber(word)


def nul_paths(document: Any) -> list[str]:
    """The dotted path of every string (or key) of a JSON document that holds a NUL character;
    importers can check what they read with it too."""
    found = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:  # a loop, not recursion: a deeply nested document is no error of ours
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                found.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if NUL in str(key):
                    found.append(child)
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return sorted(found)


def _refuse(problems: list[tuple[str, str]]) -> NoReturn:
    # A NUL in a field's own name is shown escaped, so the message stays printable.
    details = [
        {
            "field": field.replace(NUL, "\\x00"),
            "message": message,
            "type": "nul_character" if "NUL" in message else "finite_number",
        }
        for field, message in problems
    ]
    first = details[0]
    raise InvalidInput(f"{first['field']}: {first['message']}", details=details)


def whole_number(raw: str | None, *, low: int = 1, high: int = MAX_INT) -> int | None:
    """A number typed into a page's URL or form (an id by default), or None when it is not a
    plain number in range: the page then shows nothing for it, never a database error."""
    if raw is None or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None

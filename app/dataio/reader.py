"""Read a workspace export piece by piece: the sections before its tables whole, then its rows
one at a time, so a large export never sits in memory. Each value is decoded by the standard
JSON decoder; the reader only walks the document's outline between them.

The document is untrusted: whatever it holds, the reader answers with its values or with an
InvalidInput that says in words what is wrong (never a RecursionError, a MemoryError or a 500).
"""

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from app.dataio.document import KNOWN_SECTIONS, check_values, too_deep
from app.errors import InvalidInput

CHUNK_BYTES = 1 << 20
# Larger than any row an export writes; a bigger value is refused rather than buffered.
MAX_VALUE_CHARS = 64 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
# Where the rows of a table sit: document > tables > the table's list > the row.
ROW_DEPTH = 3


@dataclass
class Opened:
    """An export being read: the sections before "tables", then its rows as they come."""

    header: dict[str, Any]
    has_tables: bool
    rows: Iterator[tuple[str, int, Any]]  # (table, index in the table, row)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a workspace can hold")


class Reader:
    """JSON text read from a binary stream in chunks, decoded one value at a time."""

    def __init__(self, stream: IO[bytes], chunk_bytes: int | None = None) -> None:
        self._stream = stream
        self._chunk = chunk_bytes or CHUNK_BYTES
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder(parse_constant=_refuse_constant)
        self._buffer = ""
        self._pos = 0
        self._dropped = 0  # characters of the file before the buffer
        self._eof = False

    def _more(self) -> bool:
        """Read on (at least a chunk, more for a value that does not fit); False at the end."""
        if self._eof:
            return False
        data = self._stream.read(max(self._chunk, len(self._buffer) - self._pos))
        try:
            text = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise InvalidInput("The file is not valid JSON: it is not UTF-8 text.") from exc
        self._eof = not data
        self._dropped += self._pos
        self._buffer = self._buffer[self._pos :] + text
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self._pos = _SPACE.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise InvalidInput(
                f"The file is not valid JSON: expected {char!r} at character "
                f"{self._dropped + self._pos}, found {shown}."
            )
        self._pos += 1

    def value(self, where: str) -> Any:
        """The next JSON value, whole."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except RecursionError as exc:
                raise InvalidInput(too_deep(where)) from exc
            except json.JSONDecodeError as exc:
                if len(self._buffer) - self._pos > MAX_VALUE_CHARS:
                    raise InvalidInput(
                        f"{where or 'The file'} holds a value larger than "
                        f"{MAX_VALUE_CHARS >> 20} MB; an Evident export never does."
                    ) from exc
                if self._more():  # perhaps only cut by the end of the buffer
                    continue
                raise InvalidInput(
                    f"The file is not valid JSON: {exc.msg} at character {self._dropped + exc.pos}."
                ) from exc
            except ValueError as exc:  # a constant (NaN), an integer of 4,300 digits
                raise InvalidInput(f"The file is not valid JSON: {exc}.") from exc
            if end == len(self._buffer) and self._more():
                continue  # a number may go on in the next chunk
            self._pos = end
            return value

    def key(self) -> str:
        if self.peek() != '"':
            self.take('"')
        key = self.value("")
        self.take(":")
        return str(key)

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads each key's value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            yield self.key()
            if self.peek() == ",":
                self._pos += 1
                continue
            self.take("}")
            return

    def items(self) -> Iterator[None]:
        """One step per element of the list that starts here; the caller reads each one."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield None
            if self.peek() == ",":
                self._pos += 1
                continue
            self.take("]")
            return

    def end(self) -> None:
        if self.peek():
            raise InvalidInput(
                "The file is not valid JSON: it goes on after the end of the document "
                f"(character {self._dropped + self._pos})."
            )


def open_stream(stream: IO[bytes], chunk_bytes: int | None = None) -> Opened:
    """An export read from a file: its sections up to "tables", its rows on demand."""
    reader = Reader(stream, chunk_bytes)
    if reader.peek() != "{":
        # Not an object: decoded only to say why (too deep, not JSON), within one value's size.
        reader.value("")
        raise InvalidInput("This file is not an Evident workspace export.")
    members = reader.members()
    header: dict[str, Any] = {}
    has_tables = False
    for key in members:
        if key == "tables":
            has_tables = True
            break
        if key in header:
            raise InvalidInput(f"The export has its '{key}' section twice.")
        header[key] = reader.value(key)
        check_values(header[key], key, 1)
    return Opened(header, has_tables, _rows(reader, members, header) if has_tables else iter(()))


def _rows(reader: Reader, members: Iterator[str], header: dict[str, Any]) -> Iterator[Any]:
    if reader.peek() != "{":
        reader.value("tables")
        raise InvalidInput("The export's 'tables' should be an object.")
    for name in reader.members():
        if reader.peek() != "[":
            reader.value(f"tables.{name}")
            raise InvalidInput(f"The export's 'tables.{name}' should be a list.")
        for index, _ in enumerate(reader.items()):
            where = f"tables.{name}[{index}]"
            row = reader.value(where)
            check_values(row, where, ROW_DEPTH)
            yield name, index, row
    for key in members:  # an export ends with its tables
        check_values(reader.value(key), key, 1)
        if key in KNOWN_SECTIONS:
            raise InvalidInput(f"The export has its '{key}' section after its tables.")
        raise InvalidInput(f"The export has a section this Evident does not know: {key}.")
    reader.end()


def open_document(document: Any) -> Opened:
    """An export given as Python values (already in memory), read the same way."""
    check_values(document)
    if not isinstance(document, dict):
        raise InvalidInput("This file is not an Evident workspace export.")
    header = {key: value for key, value in document.items() if key != "tables"}
    return Opened(header, "tables" in document, _document_rows(document.get("tables")))


def _document_rows(tables: Any) -> Iterator[tuple[str, int, Any]]:
    if not isinstance(tables, dict):
        raise InvalidInput("The export's 'tables' should be an object.")
    for name, rows in tables.items():
        if not isinstance(rows, list):
            raise InvalidInput(f"The export's 'tables.{name}' should be a list.")
        for index, row in enumerate(rows):
            yield name, index, row

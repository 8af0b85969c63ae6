"""CSV written for spreadsheets: cells that cannot run as formulas, rows written in chunks."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any


def safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """These rows as CSV lines, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()

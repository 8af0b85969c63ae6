"""How each figure compares: to the bare route measured in the same run, and to the same figure
at the other scale (1 and 3), kept from the last run at that scale in the cache folder."""

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.exports import Measured
from bench.generate import CACHE
from bench.servers import Load

# Peak memory an export or an import may take, whatever the size of the workspace.
MEMORY_TARGET_MB = 200.0
# The p99 of concurrent writers, against their p50.
WRITERS_P99_TARGET = 10.0


def _figures_path(scale: float) -> Path:
    return CACHE / f"figures-scale{scale:g}.json"


class Figures:
    """This run's figures by name, saved for the run at the other scale to compare with."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.now: dict[str, float] = {}
        other = 3.0 if scale == 1 else 1.0
        path = _figures_path(other)
        self.other: dict[str, float] = json.loads(path.read_text()) if path.exists() else {}

    def growth(self, key: str, value: float) -> str:
        """This figure at scale 3 over the same at scale 1, when both were measured."""
        self.now[key] = value
        before = self.other.get(key)
        if not before or self.scale not in (1, 3):
            return ""
        ratio = value / before if self.scale == 3 else before / value
        return f"x{ratio:.2f}"

    def save(self) -> None:
        """Keep this run's figures, and the last ones of what it did not measure (a run with
        --only-postgres leaves SQLite's as they were)."""
        CACHE.mkdir(parents=True, exist_ok=True)
        path = _figures_path(self.scale)
        kept = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(kept | self.now, indent=1))


def ratio(value: float, bare: float | None) -> str:
    return f"{value / bare:,.0f}x" if bare else ""


def print_scale(
    console: Console,
    figures: Figures,
    exports: dict[str, list[Measured]],
    loads: list[Load],
    bare_ms: dict[str, float],
) -> None:
    """The exports, the import and the served figures, with their ratios and growth."""
    table = Table(title="Exports, import and served requests")
    columns = ("benchmark", "database", "ms", "peak MB (before)", "x bare", "growth 1→3", "result")
    for column in columns:
        table.add_column(column, justify="left" if column in ("benchmark", "result") else "right")
    for database, measured in exports.items():
        for m in measured:
            ms = m.seconds * 1000
            verdict = (
                "[green]pass[/]" if m.peak_mb < MEMORY_TARGET_MB else "[bold red]MISS[/]"
            ) + f" (< {MEMORY_TARGET_MB:.0f} MB; {m.size_mb:.0f} MB file)"
            table.add_row(
                m.name,
                database,
                f"{ms:,.0f}",
                f"{m.peak_mb:.0f} ({m.base_mb:.0f})",
                ratio(ms, bare_ms.get(database)),
                figures.growth(f"{m.name}|{database}|ms", ms)
                + " / "
                + figures.growth(f"{m.name}|{database}|MB", m.peak_mb),
                verdict,
            )
    console.print(table)

    served = Table(title="Served for real (keep-alive clients on this machine)")
    for column in ("benchmark", "database", "req/s", "p50 ms", "p99 ms", "x bare p50"):
        served.add_column(column, justify="left" if column == "benchmark" else "right")
    served.add_column("growth 1→3", justify="right")
    served.add_column("note")
    bare = next((load for load in loads if load.name.startswith("bare route")), None)
    for load in loads:
        note = load.note
        if "concurrent" in load.name:
            within = load.p99 <= WRITERS_P99_TARGET * load.p50
            note = (
                f"p99/p50 {load.p99 / load.p50:.1f} "
                + ("[green]pass[/]" if within else "[bold red]MISS[/]")
                + f" (< {WRITERS_P99_TARGET:.0f}); "
                + note
            )
        served.add_row(
            load.name,
            load.database,
            f"{load.per_second:,.0f}",
            f"{load.p50:.1f}",
            f"{load.p99:.1f}",
            f"{load.p50 / bare.p50:.1f}x" if bare else "",
            figures.growth(f"{load.name}|{load.database}|p50", load.p50),
            note,
        )
    console.print(served)
    console.print(
        "peak MB: the process's peak resident memory; (before): the same process with Python "
        "and the app loaded, before the work began.\n"
        "x bare: the figure over the bare route's median in the same run (in-process for the "
        "first table, served by one worker for the second). growth 1→3: the figure at scale 3 "
        "over scale 1, from the last run at the other scale (run `make bench SCALE=3` too)."
    )

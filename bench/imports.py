"""Time a CSV import of 100,000 highlights into an empty workspace on SQLite, and its re-run.

The file is generated from a seed: 2,000 participants in 4 segments, 20 problems, every kind of
signal. One import is one sample: it is minutes of work, so it is timed once, not N times.
"""

import csv
import io
import random
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.service import create_user
from app.dataio import csv_import
from app.db import make_engine
from app.enums import Frequency, InterviewKind, Role, Signal
from app.problems.models import ProblemCreate
from app.problems.service import create_problem
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import WorkspaceCreate
from app.workspaces.service import create_workspace

SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public sector")
QUOTES = (
    "We export to a spreadsheet every Friday and fix it by hand.",
    "Honestly it is annoying but we live with it.",
    "We pay an agency to reconcile the numbers each month.",
    "I looked at three other tools last quarter because of this.",
    "It never came up for us.",
)


def csv_of_highlights(rows: int, problems: list[str], seed: int) -> bytes:
    """A realistic import file: one row per highlight, as a research team would export it."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["participant", "segment", "interview_date", "interview_kind", "quote", "problem",
         "signal", "severity", "frequency"]
    )  # fmt: skip
    start = date(2026, 1, 5)
    for i in range(rows):
        person = rng.randrange(2000)
        signal = rng.choice(list(Signal))
        writer.writerow(
            [
                f"Participant {person}",
                SEGMENTS[person % len(SEGMENTS)],
                (start + timedelta(days=person % 300)).isoformat(),
                rng.choice(list(InterviewKind)).value,
                f"{rng.choice(QUOTES)} (#{i})",
                rng.choice(problems),
                signal.value,
                rng.randint(1, 5) if signal == Signal.stated else "",
                rng.choice(list(Frequency)).value if signal.stance == "supports" else "",
            ]
        )
    return out.getvalue().encode()


def fresh_sqlite(folder: Path, name: str) -> Engine:
    """A new SQLite database `name` in `folder`, built by the migrations."""
    from alembic import command

    from bench.generate import alembic_config

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    for old in folder.glob(f"{name}*"):
        old.unlink()
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return make_engine(f"sqlite:///{path}")


def measure_csv_import(
    folder: Path, *, rows: int = 100_000, seed: int = 1, create_problems: bool = False
) -> dict[str, tuple[float, float]]:
    """Wall and CPU milliseconds to check and import `rows` highlights into a fresh database,
    then to run the same file again (which must add nothing). With `create_problems`, the
    workspace starts without the file's problems and the import creates them."""
    engine = fresh_sqlite(folder, "import-bench.db")
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session=session, email="bench@example.com", password="bench-password")
        workspace = create_workspace(
            session=session, user=user, payload=WorkspaceCreate(slug="imports", name="Imports")
        )
        ctx = WorkspaceContext(workspace=workspace, user=user, role=Role.admin)
        titles = [f"Problem {n}" for n in range(20)]
        for title in titles if not create_problems else []:
            create_problem(session=session, ctx=ctx, payload=ProblemCreate(title=title))
        session.commit()
    data = csv_of_highlights(rows, titles, seed)

    timings: dict[str, tuple[float, float]] = {}
    for label in ("import", "re-run"):
        started, cpu = time.perf_counter(), time.process_time()
        with Session(engine, expire_on_commit=False) as session:
            checked = csv_import.check_file(
                session=session, ctx=ctx, data=data, create_problems=create_problems
            )
        report = csv_import.import_rows(engine=engine, ctx=ctx, checked=checked, source="b.csv")
        wall_ms = (time.perf_counter() - started) * 1000
        timings[label] = (wall_ms, (time.process_time() - cpu) * 1000)
        expected = rows if label == "import" else 0
        if report.imported != expected:
            raise SystemExit(f"CSV {label}: imported {report.imported} rows, expected {expected}")
    engine.dispose()
    return timings

"""Time a workspace export (JSON and CSV) and the JSON import, each in a process of its own, and
read that process's peak memory (resident set): what a server or a command would need.

`python -m bench.exports json|csv|import DATABASE_URL FILE` runs one of them and prints its
figures as JSON; `measure_exports` runs them all and returns the figures.
"""

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select


@dataclass
class Measured:
    name: str
    seconds: float
    peak_mb: float  # the process's peak resident memory
    base_mb: float  # the same process before the work began (Python and the app loaded)
    size_mb: float  # the file written or read


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh with the program;
    ru_maxrss would keep the parent's peak from before exec."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def run_one(kind: str, url: str, path: Path, slug: str) -> dict[str, float]:
    """One export or import in this process (which loads only what the work needs)."""
    from app.auth.models import User
    from app.dataio import csv_export, export
    from app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        workspace_id = conn.execute(
            text("SELECT id FROM workspace WHERE slug = :s"), {"s": slug}
        ).scalar_one()
    base = _peak_mb()
    started = time.perf_counter()
    if kind == "import":
        with Session(engine) as session, path.open("rb") as stream:
            importer = session.exec(select(User).order_by(User.id)).first()  # type: ignore[arg-type]
            export.import_file(session=session, stream=stream, importer=importer, slug="bench-copy")
            session.rollback()  # the bench database stays as generated
    else:
        with export.reading(engine) as conn, path.open("w", encoding="utf-8") as out:
            if kind == "json":
                out.writelines(export.write_workspace(conn, workspace_id))
            else:
                out.writelines(csv_export.write_csv(conn, workspace_id, "evidence"))
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "base_mb": base,
        "size_mb": path.stat().st_size / 1e6,
    }


def measure_exports(url: str, folder: Path, *, with_import: bool = True) -> list[Measured]:
    """The JSON export, the evidence CSV export and (optionally) the JSON import read back."""
    from bench.generate import WORKSPACE_SLUG

    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("JSON export (whole workspace)", "json", folder / "export.json"),
        ("CSV export (evidence)", "csv", folder / "evidence.csv"),
    ]
    if with_import:
        jobs.append(("JSON import (streamed back)", "import", folder / "export.json"))
    found = []
    for name, kind, path in jobs:
        done = subprocess.run(
            [sys.executable, "-m", "bench.exports", kind, url, str(path), WORKSPACE_SLUG],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        if done.returncode != 0:
            raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        found.append(Measured(name=name, **figures))
    return found


if __name__ == "__main__":
    print(json.dumps(run_one(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4])))

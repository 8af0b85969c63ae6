"""Time a transcript upload: a 1 MB WebVTT file read into notes and stored as a new interview,
on SQLite. The file is generated from a seed, with four speakers and voice tags."""

import random
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session

from app.auth.service import create_user
from app.enums import Role
from app.research.models import InterviewCreate
from app.research.service import create_interview
from app.research.transcript_files import read_transcript
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import WorkspaceCreate
from app.workspaces.service import create_workspace
from bench.imports import fresh_sqlite

SPEAKERS = ("Zoë O\u2019Neill", "Łukasz Nowak", "Siobhán Ryan", "Interviewer")
SAYINGS = (
    "We close the month in a spreadsheet, and it takes the whole first week.",
    "Honestly? The \u201cquick fix\u201d became the process; nobody dares to touch it now.",
    "Our contractor reconciles the currency column, about €900 a month.",
    "And what happens when the export breaks on the last day?",
    "I keep a checklist of forty steps that nobody else reads.",
)


def vtt_of_interview(size: int, seed: int) -> bytes:
    """A WebVTT transcript of about `size` bytes: a cue every few seconds, a speaker often
    saying several cues in a row."""
    rng = random.Random(seed)
    lines = ["WEBVTT", ""]
    seconds, length, speaker = 0, 0, SPEAKERS[0]
    while length < size:
        if rng.random() < 0.6:
            speaker = rng.choice(SPEAKERS)
        start, seconds = seconds, seconds + rng.randint(2, 6)
        cue = [f"{_time(start)} --> {_time(seconds)}", f"<v {speaker}>{rng.choice(SAYINGS)}", ""]
        lines += cue
        length += sum(len(line.encode()) + 1 for line in cue)
    return "\n".join(lines).encode()


def _time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


def measure_transcript_upload(
    folder: Path, *, size: int = 1_000_000, samples: int = 5, seed: int = 1
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds, per sample, to read a .vtt file of `size` bytes into notes and
    store it as a new interview (committed), as an upload does."""
    engine = fresh_sqlite(folder, "transcript-bench.db")
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session=session, email="bench@example.com", password="bench-password")
        payload = WorkspaceCreate(slug="transcripts", name="Transcripts")
        workspace = create_workspace(session=session, user=user, payload=payload)
        session.commit()
    ctx = WorkspaceContext(workspace=workspace, user=user, role=Role.admin)
    data = vtt_of_interview(size, seed)
    walls, cpus = [], []
    for _ in range(samples):
        started, cpu = time.perf_counter(), time.process_time()
        transcript = read_transcript("interview.vtt", data)
        with Session(engine, expire_on_commit=False) as session:
            interview = InterviewCreate(occurred_on=date(2026, 10, 1), notes=transcript.text)
            create_interview(session=session, ctx=ctx, payload=interview)
            session.commit()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    engine.dispose()
    return walls, cpus


def measure_search_over_transcripts(
    folder: Path, queries: list[str], *, interviews: int = 1_000, size: int = 50_000
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per search, in a workspace whose `interviews` interviews each
    carry a transcript of `size` characters (written in one transaction; the search index
    is kept by the database's own triggers, as for any write)."""
    from sqlalchemy import insert

    from app.research.models import Interview
    from app.search.repository import SearchQuery
    from app.search.service import search
    from bench.transcript_text import transcript

    engine = fresh_sqlite(folder, "transcript-search-bench.db")
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session=session, email="bench@example.com", password="bench-password")
        payload = WorkspaceCreate(slug="transcripts", name="Transcripts")
        workspace = create_workspace(session=session, user=user, payload=payload)
        session.commit()
        rows = [
            {
                "workspace_id": workspace.id,
                "kind": "interview",
                "occurred_on": date(2026, 1 + i % 12, 1 + i % 28),
                "title": f"Call {i}",
                "notes": transcript(size, seed=i),
            }
            for i in range(interviews)
        ]
        session.execute(insert(Interview), rows)
        session.commit()
    ctx = WorkspaceContext(workspace=workspace, user=user, role=Role.admin)
    walls, cpus = [], []
    with Session(engine) as session:
        for q in queries * 4:
            started, cpu = time.perf_counter(), time.process_time()
            search(session=session, ctx=ctx, query=SearchQuery(q=q))
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    engine.dispose()
    return walls, cpus

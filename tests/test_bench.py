"""The benchmark workspace: its bulk load stores what plain inserts would, and its stored
scorecards are what the app's own refresh stores, computed from the generated rows."""

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text
from sqlmodel import Session, SQLModel, select

from app.db import make_engine
from app.problems.models import Problem
from app.scorecards import service as store
from app.scorecards.models import ProblemScorecard, ProblemSummary
from app.scorecards.repository import load_inputs
from app.scoring.inputs import ScoringInput
from app.workspaces.models import Workspace
from bench.generate import Sizes, build, generate_rows, insert_rows, scoring_inputs
from tests.conftest import IS_POSTGRES, migrate

SEED = 5
SCALE = 0.01  # 20 problems, 2,500 evidence items


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def bench_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An empty migrated database of its own: the suite's on PostgreSQL, a new file on SQLite
    (the build switches the file's journal off and on, which needs it to itself)."""
    if IS_POSTGRES:
        yield engine
        return
    own = make_engine(f"sqlite:///{tmp_path / 'bench.db'}")
    yield own
    own.dispose()


def bench_workspace(session: Session) -> Workspace:
    return session.exec(select(Workspace).where(Workspace.slug == "bench")).one()


def in_order(inp: ScoringInput, **changes: Any) -> ScoringInput:
    """The input with its rows in one order (the loader reads them in whatever order the
    database gives, which the engine does not depend on)."""
    for field in dataclasses.fields(inp):
        if isinstance(value := getattr(inp, field.name), tuple):
            changes[field.name] = tuple(sorted(value, key=repr))
    return dataclasses.replace(inp, **changes)


def test_inputs_made_from_the_rows_are_what_the_app_loads(bench_engine: Engine) -> None:
    migrate(url_of(bench_engine))
    rows = generate_rows(SEED, Sizes.at(SCALE))
    # Some rows the loader must leave out: a deleted interview, evidence and participant.
    rows["interview"][0]["deleted_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    rows["evidence_item"][1]["deleted_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    rows["participant"][2]["deleted_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    insert_rows(bench_engine, rows)
    moment = datetime(2026, 11, 2, tzinfo=UTC)
    made = scoring_inputs(rows, moment)
    with Session(bench_engine) as session:
        problems = session.exec(select(Problem).order_by(Problem.id)).all()
        loaded = load_inputs(session, bench_workspace(session), problems)
    assert len(made) == len(loaded) == len(problems)
    for problem_id, inp in loaded.items():
        assert in_order(made[problem_id]) == in_order(inp, as_of=moment), problem_id
    assert sum(len(inp.evidence) for inp in made.values()) > 2_000


def stored(session: Session) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Every stored card (but the moment it was computed) and summary, by problem."""
    cards = {}
    for row in session.exec(select(ProblemScorecard)).all():
        card = row.model_dump(exclude={"computed_at"})
        card["data"] = {k: v for k, v in row.data.items() if k != "as_of"}
        cards[row.problem_id] = card
    summaries = {row.problem_id: row.model_dump() for row in session.exec(select(ProblemSummary))}
    return cards, summaries


def indexes_and_triggers(engine: Engine) -> list[Any]:
    """The statements that made every index and trigger."""
    if engine.dialect.name == "postgresql":
        query = (
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL"
            " SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
        )
    else:
        query = "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY 1"
    with engine.connect() as conn:
        return list(conn.execute(text(query)).scalars())


def test_the_stored_scorecards_are_what_the_apps_refresh_stores(bench_engine: Engine) -> None:
    migrate(url_of(bench_engine))
    schema = indexes_and_triggers(bench_engine)
    built = build(bench_engine, url_of(bench_engine), SEED, SCALE)
    # The build set its indexes and triggers aside while it loaded: all are back.
    assert indexes_and_triggers(bench_engine) == schema
    assert len(schema) > 50
    assert built.rows["problem_scorecard"] == built.rows["problem"] == 20
    with Session(bench_engine) as session:
        cards, summaries = stored(session)
        workspace = bench_workspace(session)
        ids = list(session.exec(select(Problem.id)).all())
        store.refresh(session=session, workspace=workspace, problem_ids=ids)  # type: ignore[arg-type]
        session.commit()
        session.expire_all()
        assert stored(session) == (cards, summaries)
        assert sum(card["evidence_items"] for card in cards.values()) > 2_000
        for problem in session.exec(select(Problem)).all():
            fresh = store.compute(session=session, workspace=workspace, problem=problem)
            assert cards[problem.id or 0]["data"] == {
                k: v for k, v in fresh.model_dump(mode="json").items() if k != "as_of"
            }


def everything(path: Path) -> dict[str, Any]:
    """Every row of every table (the search index's too), the indexes and the triggers."""
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'search_index_%' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found: dict[str, Any] = {
            name: db.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall()
            for name in tables
            if name not in ("user", "problem_scorecard", "problem_summary")
        }
        # The bench user's password hash is salted afresh by every build.
        found["user"] = db.execute('SELECT id, email, name FROM "user"').fetchall()
        found["schema"] = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE type IN ('index', 'trigger') ORDER BY name"
        ).fetchall()
        found["matches"] = db.execute(
            "SELECT rowid FROM search_index WHERE search_index MATCH 'spreadsheet' ORDER BY rowid"
        ).fetchall()
        found["journal"] = db.execute("PRAGMA journal_mode").fetchone()
        return found
    finally:
        db.close()


@pytest.mark.skipif(IS_POSTGRES, reason="compares SQLite files")
def test_the_bulk_load_stores_what_plain_inserts_store(tmp_path: Path) -> None:
    bulk, plain = tmp_path / "bulk.db", tmp_path / "plain.db"
    built = build(make_engine(f"sqlite:///{bulk}"), f"sqlite:///{bulk}", SEED, SCALE)
    rows = generate_rows(SEED, Sizes.at(SCALE))
    engine = make_engine(f"sqlite:///{plain}")
    migrate(f"sqlite:///{plain}")
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            if table_rows:
                conn.execute(insert(SQLModel.metadata.tables[name]), table_rows)
    engine.dispose()
    got, expected = everything(bulk), everything(plain)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name
    assert built.rows["evidence_item"] == len(expected["evidence_item"]) == 2_500
    assert len(expected["search_index"]) == 20 + 500 + 2_500
    assert expected["matches"] and got["journal"] == ("wal",)


def test_a_failure_computing_the_scorecards_is_raised(
    bench_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise ValueError("no scorecards today")

    monkeypatch.setattr("bench.generate.scorecard_rows", broken)
    with pytest.raises((RuntimeError, ValueError), match="no scorecards today"):
        build(bench_engine, url_of(bench_engine), SEED, SCALE)
    with bench_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM problem_scorecard")).scalar_one() == 0

"""Build a large workspace from a seed, straight into the database with bulk inserts.

The same seed and scale always give the same rows: every choice comes from one seeded random
generator and every timestamp is measured back from a fixed moment (`ANCHOR`). Rows carry
explicit ids, so links between them need no round trip to the database.

At scale 1: 2,000 problems, 20,000 participants in 8 segments, 50,000 interviews covering 1-3
problems each, 250,000 evidence items and 5,000 assumption tests, then every stored scorecard.

The rows go in as the driver's bulk loads (COPY on PostgreSQL, executemany on SQLite) with the
indexes set aside until the end; the scorecards are computed by the scoring engine from the
generated rows, in a second process while the rows are inserted, and stored as the app's own
refresh would store them (tests/test_bench.py checks both).
"""

import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import time
import traceback
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, Engine, Table, func, text
from sqlmodel import SQLModel, select

import app.models  # noqa: F401  (registers every table on the metadata)
from app.auth.service import hash_token, password_hash
from app.db import EnumText, UTCDateTime, make_engine, utcnow
from app.enums import (
    AssumptionCategory,
    CriterionOperator,
    DecisionKind,
    Frequency,
    InterviewKind,
    ProblemStatus,
    Recommendation,
    Role,
    Signal,
    Stance,
    TestMethod,
    TestOutcome,
    TestStatus,
)
from app.problems.models import Problem
from app.scorecards import service as store
from app.scorecards.repository import THRESHOLD_NAMES, _threshold_change
from app.scoring import inputs as si
from app.scoring.engine import compute_scorecard

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
# Bump when the generator changes what it writes, so cached databases are rebuilt.
GENERATOR_VERSION = 2
# The data ends here; fixed, so a seed gives the same rows whatever the day it runs.
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_DAYS = 730
WORKSPACE_SLUG = "bench"
BENCH_EMAIL = "bench@example.com"

SEGMENTS = [  # name, accounts in it, share of participants we talked to
    ("Enterprise", 400, 0.12),
    ("Mid-market", 2_500, 0.20),
    ("SMB", 18_000, 0.25),
    ("Startups", 9_000, 0.14),
    ("Agencies", 3_200, 0.09),
    ("Education", 1_500, 0.07),
    ("Public sector", 600, 0.05),
    ("Non-profit", 2_200, 0.04),
]
UNSEGMENTED_SHARE = 0.04

SUPPORTING = [  # signal, share among supporting items
    (Signal.stated, 0.35),
    (Signal.mentioned, 0.22),
    (Signal.workaround, 0.16),
    (Signal.searching, 0.11),
    (Signal.paid, 0.09),
    (Signal.switched, 0.07),
]
CONTRADICTING = [
    (Signal.no_action, 0.40),
    (Signal.not_a_priority, 0.35),
    (Signal.not_experienced, 0.25),
]
FREQUENCIES = [
    (None, 0.40),
    (Frequency.daily, 0.12),
    (Frequency.weekly, 0.21),
    (Frequency.monthly, 0.15),
    (Frequency.rarely, 0.12),
]
INTERVIEW_KINDS = [
    (InterviewKind.interview, 0.45),
    (InterviewKind.support_ticket, 0.15),
    (InterviewKind.sales_call, 0.10),
    (InterviewKind.survey, 0.10),
    (InterviewKind.observation, 0.08),
    (InterviewKind.churn_interview, 0.05),
    (InterviewKind.usability_test, 0.05),
    (InterviewKind.analytics, 0.02),
]
PROBLEM_STATUSES = [
    (ProblemStatus.exploring, 0.50),
    (ProblemStatus.validating, 0.30),
    (ProblemStatus.decided, 0.15),
    (ProblemStatus.archived, 0.05),
]
CATEGORIES = [
    (AssumptionCategory.desirability, 0.4),
    (AssumptionCategory.viability, 0.25),
    (AssumptionCategory.feasibility, 0.35),
]
TEST_STATUSES = [(TestStatus.planned, 0.2), (TestStatus.running, 0.2), (TestStatus.concluded, 0.6)]
OUTCOMES = [
    (TestOutcome.validated, 0.45),
    (TestOutcome.invalidated, 0.30),
    (TestOutcome.inconclusive, 0.25),
]

JOBS = [
    "reconcile invoices",
    "onboard new hires",
    "plan the quarterly roadmap",
    "export reports for finance",
    "share dashboards with clients",
    "approve expenses",
    "migrate old projects",
    "track contractor hours",
    "set up single sign-on",
    "find last month's decisions",
    "prepare the board pack",
    "schedule field visits",
    "merge duplicate customer records",
    "audit user permissions",
    "forecast inventory",
]
OBSTACLES = [
    "the data lives in three tools",
    "nobody owns the process",
    "the export drops columns",
    "approvals wait on one person",
    "the numbers never match",
    "it only works on desktop",
    "every change needs IT",
    "the history is lost after 90 days",
    "the API limits are too low",
    "permissions are all or nothing",
]
WHO = ["Finance leads", "Team admins", "Project managers", "Ops analysts", "Founders", "IT admins"]
SAYINGS = [
    "We spend half a day every week on this.",
    "Honestly it is annoying but we live with it.",
    "I built a spreadsheet with macros just to get around it.",
    "We pay a contractor to clean this up each month.",
    "It came up in our renewal discussion.",
    "We looked at two other tools because of this.",
    "I have never had that problem, to be fair.",
    "It is on the list, but far from the top.",
    "My team complains about it in every retro.",
    "We moved off our last vendor partly over this.",
    "I asked around on forums for a fix last week.",
    "It happens, we just wait until it sorts itself out.",
]


@dataclass(frozen=True)
class Sizes:
    problems: int
    participants: int
    interviews: int
    evidence: int
    assumptions: int
    tests: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        def n(full: int) -> int:
            return max(10, round(full * scale))

        return cls(
            problems=n(2_000),
            participants=n(20_000),
            interviews=n(50_000),
            evidence=n(250_000),
            assumptions=n(3_500),
            tests=n(5_000),
        )


@dataclass
class Built:
    """What a build made and how long it took; kept beside the database it describes."""

    key: str
    seed: int
    scale: float
    generate_seconds: float = 0.0
    insert_seconds: float = 0.0
    refresh_seconds: float = 0.0  # waiting for the scorecards once inserted, and storing them
    cpu_seconds: float = 0.0  # CPU time of this process and its child for the three steps
    rows: dict[str, int] = field(default_factory=dict)


def bearer_token(seed: int) -> str:
    """The bench user's personal token: known in advance, stored hashed like any other."""
    return f"evd_bench-{seed}-personal-token"


# Each weighted list's values and running totals, summed once: (the list, values, totals).
_TOTALS: dict[int, tuple[list[tuple[Any, float]], list[Any], list[float]]] = {}


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    """What rng.choices(values, weights)[0] draws, from the same random number: the same
    running totals and the same bisection, without summing the weights at every draw."""
    entry = _TOTALS.get(id(weighted))
    if entry is None or entry[0] is not weighted:
        totals = list(accumulate(w for _, w in weighted))
        entry = _TOTALS[id(weighted)] = (weighted, [v for v, _ in weighted], totals)
    _, values, totals = entry
    return values[bisect(totals, rng.random() * (totals[-1] + 0.0), 0, len(totals) - 1)]


def _moment(rng: random.Random, *, days_back_max: int = SPAN_DAYS) -> datetime:
    return ANCHOR - timedelta(seconds=rng.randrange(days_back_max * 86_400))


def generate_rows(seed: int, sizes: Sizes) -> dict[str, list[dict[str, Any]]]:
    """Every row of the workspace, by table, in an order that satisfies the foreign keys."""
    rng = random.Random(seed)
    start = ANCHOR - timedelta(days=SPAN_DAYS + 30)
    rows: dict[str, list[dict[str, Any]]] = {}

    def domain(row_id: int, at: datetime, by: int | None) -> dict[str, Any]:
        return {
            "id": row_id,
            "workspace_id": 1,
            "created_at": at,
            "updated_at": at,
            "created_by": by,
            "deleted_at": None,
            "version": 1,
        }

    # People: the bench user (admin) and five teammates who own problems and run interviews.
    hashed = password_hash.hash(f"bench-{seed}")
    users = list(range(1, 7))
    rows["user"] = [
        {
            "id": uid,
            "email": BENCH_EMAIL if uid == 1 else f"researcher{uid}@example.com",
            "name": "Bench" if uid == 1 else f"Researcher {uid}",
            "password_hash": hashed,
            "is_active": True,
            "created_at": start,
            "updated_at": start,
        }
        for uid in users
    ]
    token = bearer_token(seed)
    rows["api_token"] = [
        {
            "id": 1,
            "user_id": 1,
            "name": "bench",
            "kind": "personal",
            "token_hash": hash_token(token),
            "prefix": token[:12],
            "expires_at": None,
            "revoked_at": None,
            "created_at": start,
            "updated_at": start,
        }
    ]
    rows["workspace"] = [
        {
            "id": 1,
            "slug": WORKSPACE_SLUG,
            "name": "Bench",
            "description": "A large generated workspace.",
            "created_by": 1,
            "deleted_at": None,
            "version": 1,
            "pain_threshold": 60.0,
            "reach_threshold": 20.0,
            "feasibility_threshold": 50.0,
            "min_participants": 5,
            "created_at": start,
            "updated_at": start,
        }
    ]
    roles = [Role.admin, Role.contributor, Role.contributor, Role.decider, Role.contributor]
    roles.append(Role.viewer)
    rows["membership"] = [
        {
            "id": uid,
            "workspace_id": 1,
            "user_id": uid,
            "role": roles[uid - 1],
            "created_at": start,
            "updated_at": start,
        }
        for uid in users
    ]

    rows["segment"] = [
        domain(i, start, 1) | {"name": name, "description": "", "size": size}
        for i, (name, size, _) in enumerate(SEGMENTS, start=1)
    ]
    segment_choices: list[tuple[int | None, float]] = [
        (i, share) for i, (_, _, share) in enumerate(SEGMENTS, start=1)
    ]
    segment_choices.append((None, UNSEGMENTED_SHARE))

    rows["participant"] = []
    for pid in range(1, sizes.participants + 1):
        rows["participant"].append(
            domain(pid, _moment(rng), rng.choice(users))
            | {
                "name": f"Participant {pid}",
                "organisation": f"Company {rng.randrange(1, sizes.participants // 3 + 2)}",
                "title": rng.choice(["CFO", "Ops lead", "Admin", "PM", "Analyst", "Founder"]),
                "segment_id": _pick(rng, segment_choices),
                "contact": "",
            }
        )

    # Problems: some draw far more research than others (log-normal popularity).
    problem_ids = list(range(1, sizes.problems + 1))
    popularity = [rng.lognormvariate(0, 0.6) for _ in problem_ids]
    cumulative = []
    total = 0.0
    for weight in popularity:
        total += weight
        cumulative.append(total)
    support_rate = {pid: rng.uniform(0.35, 0.9) for pid in problem_ids}
    rows["problem"] = []
    rows["kill_criteria_change"] = []
    statuses: dict[int, ProblemStatus] = {}
    for pid in problem_ids:
        created = _moment(rng)
        job, obstacle, who = rng.choice(JOBS), rng.choice(OBSTACLES), rng.choice(WHO)
        statuses[pid] = _pick(rng, PROBLEM_STATUSES)
        has_estimate = rng.random() < 0.6
        kill_pain = rng.choice([50.0, 65.0, 70.0]) if rng.random() < 0.1 else None
        rows["problem"].append(
            domain(pid, created, rng.choice(users))
            | {
                "title": f"{who} cannot {job} because {obstacle}",
                "statement": f"{who} struggle to {job} because {obstacle}.",
                "owner_id": rng.choice(users),
                "status": statuses[pid],
                "feasibility_estimate": float(rng.randrange(20, 90)) if has_estimate else None,
                "feasibility_rationale": "Similar to work we shipped last year."
                if has_estimate
                else "",
                "kill_pain": kill_pain,
                "kill_reach": None,
                "kill_feasibility": None,
                "kill_min_participants": None,
                "review_by": None,
            }
        )
        if kill_pain is not None:
            rows["kill_criteria_change"].append(
                {
                    "id": len(rows["kill_criteria_change"]) + 1,
                    "workspace_id": 1,
                    "problem_id": pid,
                    "changed_at": created + timedelta(days=rng.randrange(0, 60)),
                    "changed_by": 1,
                    "before": {
                        "pain": None,
                        "reach": None,
                        "feasibility": None,
                        "min_participants": None,
                    },
                    "after": {
                        "pain": kill_pain,
                        "reach": None,
                        "feasibility": None,
                        "min_participants": None,
                    },
                }
            )

    def some_problems(k: int) -> list[int]:
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.update(rng.choices(problem_ids, cum_weights=cumulative, k=k - len(chosen)))
        return sorted(chosen)

    rows["interview"] = []
    rows["interview_problem"] = []
    covered: list[list[int]] = []
    interview_facts: list[tuple[int | None, datetime, int]] = []
    for iid in range(1, sizes.interviews + 1):
        occurred = (ANCHOR - timedelta(days=rng.randrange(1, SPAN_DAYS))).date()
        created = datetime.combine(occurred, datetime.min.time(), UTC) + timedelta(
            hours=rng.randrange(8, 72)
        )
        participant = rng.randrange(1, sizes.participants + 1)
        conductor = rng.choice(users)
        deleted = created + timedelta(days=3) if rng.random() < 0.01 else None
        rows["interview"].append(
            domain(iid, created, conductor)
            | {
                "deleted_at": deleted,
                "kind": _pick(rng, INTERVIEW_KINDS),
                "occurred_on": occurred,
                "participant_id": participant,
                "conducted_by": conductor,
                "title": f"Call with participant {participant}",
                "notes": " ".join(rng.sample(SAYINGS, 3)),
            }
        )
        problems = some_problems(rng.choices((1, 2, 3), weights=(5, 3, 2))[0])
        covered.append(problems)
        interview_facts.append((participant, created, conductor))
        rows["interview_problem"].extend(
            {"interview_id": iid, "problem_id": pid} for pid in problems
        )

    rows["evidence_item"] = []
    for eid in range(1, sizes.evidence + 1):
        if rng.random() < 0.95:
            index = rng.randrange(sizes.interviews)
            interview_id: int | None = index + 1
            problem = rng.choice(covered[index])
            participant_id, at, by = interview_facts[index]
            at = at + timedelta(minutes=rng.randrange(1, 600))
        else:  # standalone, e.g. from analytics or a sales note
            interview_id = None
            problem = some_problems(1)[0]
            participant_id = (
                rng.randrange(1, sizes.participants + 1) if rng.random() < 0.7 else None
            )
            at, by = _moment(rng), rng.choice(users)
        supports = rng.random() < support_rate[problem]
        signal = _pick(rng, SUPPORTING if supports else CONTRADICTING)
        rows["evidence_item"].append(
            domain(eid, at, by)
            | {
                "deleted_at": at + timedelta(days=2) if rng.random() < 0.015 else None,
                "problem_id": problem,
                "interview_id": interview_id,
                "participant_id": participant_id,
                "quote": rng.choice(SAYINGS),
                "stance": signal.stance,
                "signal": signal,
                "severity": rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 3, 2))[0]
                if signal == Signal.stated
                else None,
                "frequency": _pick(rng, FREQUENCIES) if supports else None,
            }
        )

    rows["assumption"] = []
    assumption_problem: list[int] = []
    for aid in range(1, sizes.assumptions + 1):
        problem = some_problems(1)[0]
        assumption_problem.append(problem)
        category = _pick(rng, CATEGORIES)
        rows["assumption"].append(
            domain(aid, _moment(rng), rng.choice(users))
            | {
                "problem_id": problem,
                "statement": f"Customers will accept a {category.value} change #{aid}",
                "category": category,
                "critical": rng.random() < 0.3,
            }
        )

    rows["assumption_test"] = []
    for tid in range(1, sizes.tests + 1):
        assumption = rng.randrange(1, sizes.assumptions + 1)
        created = _moment(rng)
        status = _pick(rng, TEST_STATUSES)
        started = created + timedelta(days=rng.randrange(1, 14)) if status != "planned" else None
        concluded = (
            started + timedelta(days=rng.randrange(7, 45))
            if status == TestStatus.concluded and started
            else None
        )
        outcome = _pick(rng, OUTCOMES) if concluded else None
        threshold = float(rng.randrange(10, 60))
        observed = {
            TestOutcome.validated: threshold + rng.randrange(1, 20),
            TestOutcome.invalidated: threshold - rng.randrange(1, 10),
            TestOutcome.inconclusive: threshold,
            None: None,
        }[outcome]
        rows["assumption_test"].append(
            domain(tid, created, rng.choice(users))
            | {
                "assumption_id": assumption,
                "problem_id": assumption_problem[assumption - 1],
                "method": rng.choice(list(TestMethod)),
                "metric": "Share of trial accounts that complete the setup",
                "operator": CriterionOperator.gte,
                "threshold": threshold,
                "criterion_fixed_at": created,
                "status": status,
                "observed_value": observed,
                "outcome": outcome,
                "learning": "",
                "started_at": started,
                "concluded_at": concluded,
            }
        )

    rows["decision"] = []
    for pid in problem_ids:
        if statuses[pid] != ProblemStatus.decided:
            continue
        rows["decision"].append(
            domain(len(rows["decision"]) + 1, _moment(rng, days_back_max=60), 4)
            | {
                "problem_id": pid,
                "kind": rng.choice(list(DecisionKind)),
                "rationale": "Decided at the monthly review.",
                "decided_by": 4,
                "dissent": "",
                "customer_advocate_notes": "",
                "review_on": None,
                "recommendation": rng.choice(list(Recommendation)),
                "scorecard": None,
            }
        )
    return rows


# ---- building a database ----------------------------------------------------------------------


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def cache_key(seed: int, scale: float) -> str:
    """Names one build: seed, scale, the migrations (head and a digest) and the generator."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"seed{seed}-scale{scale:g}-rev{head}-{digest.hexdigest()[:8]}-gen{GENERATOR_VERSION}"


def insert_rows(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Bulk-insert every table in one transaction: COPY on PostgreSQL, the driver's
    executemany on SQLite."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            _sqlite_build_settings(conn)
        with conn.begin():
            _insert_all(conn, rows)


def _sqlite_build_settings(conn: Connection) -> None:
    """A throwaway cache file, rebuilt when a build fails: no journal, no syncing, and a page
    cache that holds the whole database while its indexes grow."""
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA cache_size = -1000000")  # type: ignore[union-attr]
    raw.execute("PRAGMA synchronous = OFF")  # type: ignore[union-attr]
    raw.execute("PRAGMA journal_mode = OFF")  # type: ignore[union-attr]


def _insert_all(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = SQLModel.metadata.tables
    postgres = conn.dialect.name == "postgresql"
    if not postgres:
        with _sqlite_bulk_load(conn, list(rows)):
            for name, table_rows in rows.items():
                if table_rows:
                    _executemany(conn, tables[name], table_rows)
        return
    with _postgres_bulk_load(conn):
        for name, table_rows in rows.items():
            if table_rows:
                _copy(conn, tables[name], table_rows)
    # Rows came with their ids: move each id sequence past them for later inserts.
    for name, table_rows in rows.items():
        if "id" in tables[name].c and table_rows:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'(SELECT max(id) FROM "{name}"))'
                )
            )
    _settle_postgres(conn)


@contextmanager
def _postgres_bulk_load(conn: Connection) -> Iterator[None]:
    """Load the tables without the indexes no constraint needs, then build each once over the
    loaded rows (the same statements): far cheaper than keeping them up to date row by row,
    a full-text (GIN) index above all."""
    indexes = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname AND c.connamespace = 'public'::regnamespace)"
            " ORDER BY i.indexname"
        )
    ).all()
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, statement in indexes:
        conn.execute(text(statement))


def _settle_postgres(conn: Connection) -> None:
    """PostgreSQL's autovacuum would gather statistics soon after a load like this one, and move
    the rows queued in each GIN index's pending list into the index proper (until then every
    full-text search reads the whole list)."""
    conn.execute(text("ANALYZE"))
    conn.execute(
        text(
            "SELECT gin_clean_pending_list(c.oid) FROM pg_class c"
            " JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'gin'"
            " AND c.relnamespace = 'public'::regnamespace"
        )
    )
    # SQLite gathers none unless told to, and the app never tells it: neither does the bench.


def _layout(table: Table, rows: list[dict[str, Any]], dialect: Any) -> tuple[str, Any]:
    """The quoted column list an INSERT or COPY of these rows names, and a function making a
    row into the values the driver receives, converted as the column types would bind them.

    The columns a row leaves out take their model default, as an INSERT would give them."""
    columns = list(rows[0])
    defaults = {
        c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)  # type: ignore[attr-defined]
        for c in table.c
        if c.name not in columns and c.default is not None and not c.default.is_sequence
    }
    names = ", ".join(f'"{c}"' for c in [*columns, *defaults])
    fixed = list(defaults.values())
    processors = [
        (i, process)
        for i, name in enumerate([*columns, *defaults])
        if (process := _bind_processor(table.c[name].type, dialect)) is not None
    ]
    if len(columns) == 1:
        only = columns[0]

        def pick(row: dict[str, Any]) -> list[Any]:
            return [row[only]]
    else:
        getter = itemgetter(*columns)

        def pick(row: dict[str, Any]) -> list[Any]:
            return list(getter(row))

    def values(row: dict[str, Any]) -> list[Any]:
        out = pick(row)
        out.extend(fixed)
        for i, process in processors:
            out[i] = process(out[i])
        return out

    return names, values


def _bind_processor(kind: Any, dialect: Any) -> Any:
    if dialect.name == "postgresql":
        return _copy_value(kind)
    return kind._cached_bind_processor(dialect)  # as SQLAlchemy binds them itself


def _executemany(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows with the driver's executemany, the values bound as SQLAlchemy would."""
    names, values = _layout(table, rows, conn.dialect)
    marks = ", ".join("?" for _ in names.split(", "))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', map(values, rows))


@contextmanager
def _sqlite_bulk_load(conn: Connection, names: list[str]) -> Iterator[None]:
    """Load these tables without their secondary indexes and search triggers, then build both
    once over the loaded rows: far cheaper than keeping them up to date row by row. The schema
    ends as it began (the same statements recreate it), and so does the search index (each
    trigger's INSERT, run once over its table)."""
    quoted = ", ".join(f"'{name}'" for name in names)
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({quoted}) ORDER BY name"
    ).all()
    triggers = conn.exec_driver_sql(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        f" AND tbl_name IN ({quoted}) AND sql LIKE '%AFTER INSERT ON%' ORDER BY name"
    ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    for name, _, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, table, sql in triggers:
        conn.exec_driver_sql(_trigger_as_select(table, sql))
    for _, _, sql in triggers:
        conn.exec_driver_sql(sql)
    for _, sql in indexes:
        conn.exec_driver_sql(sql)


def _trigger_as_select(table: str, trigger: str) -> str:
    """An AFTER INSERT trigger's single `INSERT INTO t (...) VALUES (new.a, ...)`, as one
    INSERT ... SELECT over every row of its table."""
    match = re.fullmatch(
        r"CREATE TRIGGER \S+ AFTER INSERT ON \S+ BEGIN (INSERT INTO [^;]*?) VALUES \((.*)\); END",
        " ".join(trigger.split()),
    )
    if match is None:
        raise ValueError(f"cannot replay this trigger over its table: {trigger}")
    target, values = match.groups()
    return f'{target} SELECT {values.replace("new.", "t.")} FROM "{table}" AS t ORDER BY t.rowid'


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a table, as the column types would store them (naive UTC times, enum
    values, JSON text)."""
    names, values = _layout(table, rows, conn.dialect)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(values(row))


def _copy_value(kind: Any) -> Any:
    if isinstance(kind, JSON):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(kind, UTCDateTime):
        return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None)
    if isinstance(kind, EnumText):
        return lambda v: None if v is None else str(v)
    return None


# ---- the stored scorecards --------------------------------------------------------------------


def scoring_inputs(
    rows: dict[str, list[dict[str, Any]]], as_of: datetime
) -> dict[int, si.ScoringInput]:
    """Every problem's scoring input, made from the generated rows rather than read back: what
    the app's loader (app.scorecards.repository.load_inputs) reads from these rows once stored,
    each kind of row by id (the loader takes them as the database gives them; the engine does
    not depend on their order)."""
    workspace = rows["workspace"][0]
    base = si.Thresholds(
        pain=workspace["pain_threshold"],
        reach=workspace["reach_threshold"],
        feasibility=workspace["feasibility_threshold"],
        min_participants=workspace["min_participants"],
    )

    def alive(table: str) -> list[dict[str, Any]]:
        return [
            r
            for r in rows[table]
            if r["workspace_id"] == workspace["id"] and r["deleted_at"] is None
        ]

    segments = tuple(si.SegmentIn(s["id"], s["name"], s["size"]) for s in alive("segment"))
    live_segments = {s.id for s in segments}
    people = {
        p["id"]: si.ParticipantIn(
            p["id"], p["name"], p["segment_id"] if p["segment_id"] in live_segments else None
        )
        for p in alive("participant")
    }
    interviews = {i["id"]: i for i in alive("interview")}

    def known(participant_id: int | None) -> bool:
        return participant_id is None or participant_id in people

    coverage: dict[int, list[si.CoverageIn]] = defaultdict(list)
    for link in rows["interview_problem"]:
        interview = interviews.get(link["interview_id"])
        if interview is not None and known(interview["participant_id"]):
            coverage[link["problem_id"]].append(
                si.CoverageIn(
                    interview["id"], interview["participant_id"], interview["occurred_on"]
                )
            )
    evidence: dict[int, list[si.EvidenceIn]] = defaultdict(list)
    for e in alive("evidence_item"):
        interview_id = e["interview_id"]
        if interview_id is not None and interview_id not in interviews:
            continue  # evidence of a deleted interview no longer counts
        if not known(e["participant_id"]):
            continue
        evidence[e["problem_id"]].append(
            si.EvidenceIn(
                id=e["id"],
                participant_id=e["participant_id"],
                interview_id=interview_id,
                stance=Stance(e["stance"]),
                signal=Signal(e["signal"]),
                severity=e["severity"],
                frequency=Frequency(e["frequency"]) if e["frequency"] else None,
                logged_by=e["created_by"],
                logged_at=e["created_at"],
                observed_on=interviews[interview_id]["occurred_on"] if interview_id else None,
                quote=e["quote"],
            )
        )
    assumptions: dict[int, list[si.AssumptionIn]] = defaultdict(list)
    for a in alive("assumption"):
        assumptions[a["problem_id"]].append(
            si.AssumptionIn(
                a["id"], a["statement"], AssumptionCategory(a["category"]), a["critical"]
            )
        )
    tests: dict[int, list[si.TestIn]] = defaultdict(list)
    for t in alive("assumption_test"):
        concluded = t["concluded_at"] is not None
        tests[t["problem_id"]].append(
            si.TestIn(
                id=t["id"],
                assumption_id=t["assumption_id"],
                method=TestMethod(t["method"]),
                status=TestStatus.concluded
                if concluded
                else TestStatus.running
                if t["started_at"] is not None
                else TestStatus.planned,
                outcome=TestOutcome(t["outcome"]) if concluded and t["outcome"] else None,
                concluded_at=t["concluded_at"] if concluded else None,
            )
        )
    changes: dict[int, list[si.KillCriteriaChange]] = defaultdict(list)
    for ch in rows["kill_criteria_change"]:
        before, after = ch["before"], ch["after"]
        if before is not None and all(
            before.get(name) == after.get(name) for name in THRESHOLD_NAMES
        ):
            continue  # only the review-by date moved
        changes[ch["problem_id"]].append(
            si.KillCriteriaChange(
                ch["changed_at"],
                ch["changed_by"],
                _threshold_change(before, base),
                _threshold_change(after, base) or base,
            )
        )
    decisions: dict[int, list[si.DecisionIn]] = defaultdict(list)
    for d in alive("decision"):
        decisions[d["problem_id"]].append(
            si.DecisionIn(
                id=d["id"],
                kind=DecisionKind(d["kind"]),
                recommendation=Recommendation(d["recommendation"]) if d["recommendation"] else None,
                decided_at=d["created_at"],
            )
        )
    names = {u["id"]: u["name"] for u in rows["user"]}
    team = tuple(
        sorted(
            (m["user_id"], names[m["user_id"]])
            for m in rows["membership"]
            if m["workspace_id"] == workspace["id"]
        )
    )
    result = {}
    for p in rows["problem"]:
        if p["workspace_id"] != workspace["id"]:
            continue
        pid = p["id"]
        referenced = {c.participant_id for c in coverage[pid]} | {
            e.participant_id for e in evidence[pid]
        }
        result[pid] = si.ScoringInput(
            problem=si.ProblemIn(
                id=pid,
                title=p["title"],
                owner_id=p["owner_id"],
                feasibility_estimate=p["feasibility_estimate"],
                feasibility_rationale=p["feasibility_rationale"] or None,
            ),
            workspace_thresholds=base,
            segments=segments,
            participants=tuple(people[i] for i in sorted(x for x in referenced if x is not None)),
            coverage=tuple(coverage[pid]),
            evidence=tuple(evidence[pid]),
            assumptions=tuple(assumptions[pid]),
            tests=tuple(tests[pid]),
            kill_criteria=tuple(changes[pid]),
            decisions=tuple(decisions[pid]),
            as_of=as_of,
            team=team,
        )
    return result


def scorecard_rows(
    rows: dict[str, list[dict[str, Any]]], as_of: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Every problem's stored card and summary, as the app's refresh would store them for a
    problem without a card yet, computed from the generated rows by the scoring engine."""
    inputs = scoring_inputs(rows, as_of)
    problems = {p["id"]: p for p in rows["problem"]}
    review_on = {d["id"]: d["review_on"] for d in rows["decision"]}
    cards, summaries = [], []
    for pid, inp in inputs.items():
        card = compute_scorecard(inp)
        problem = Problem(**problems[pid])
        cards.append(
            {"problem_id": pid, "workspace_id": problem.workspace_id}
            | store.card_values(card, None)
        )
        summaries.append(store.summary_of(inp, card, problem, review_on))
    return {"problem_scorecard": cards, "problem_summary": summaries}


def store_scorecards(engine: Engine, stored: dict[str, list[dict[str, Any]]]) -> None:
    """Store every problem's card and summary (see scorecard_rows)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            _sqlite_build_settings(conn)
        with conn.begin():
            for name, table_rows in stored.items():
                table = SQLModel.metadata.tables[name]
                if conn.dialect.name == "postgresql":
                    _copy(conn, table, table_rows)
                else:
                    _executemany(conn, table, table_rows)


@contextmanager
def _alongside(work: Callable[[], Any]) -> Iterator[Callable[[], Any]]:
    """Run `work` in a forked process while the block runs, and give a function that waits for
    its result: the scorecards are pure Python, the inserts mostly the database's own work, so
    on two cores they overlap. Where processes cannot fork, the work runs when asked for."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield work
        return
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def child() -> None:
        try:
            send.send((True, work()))
        except BaseException as error:  # handed to the parent, which raises it
            send.send((False, "".join(traceback.format_exception(error))))

    process = multiprocessing.get_context("fork").Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> Any:
        ok, value = receive.recv()
        if not ok:
            raise RuntimeError(f"computing the scorecards failed:\n{value}")
        return value

    try:
        yield result
    finally:
        receive.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


def count_rows(engine: Engine) -> dict[str, int]:
    names = [
        "problem",
        "segment",
        "participant",
        "interview",
        "interview_problem",
        "evidence_item",
        "assumption",
        "assumption_test",
        "decision",
        "problem_scorecard",
    ]
    tables = SQLModel.metadata.tables
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(tables[name])).scalar_one())
            for name in names
        }


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def build(engine: Engine, url: str, seed: int, scale: float) -> Built:
    """Migrate an empty database, fill it, and store every scorecard; timed step by step."""
    built = Built(key=cache_key(seed, scale), seed=seed, scale=scale)
    command.upgrade(alembic_config(url), "head")
    cpu = _cpu_seconds()
    began = time.perf_counter()
    rows = generate_rows(seed, Sizes.at(scale))
    built.generate_seconds = time.perf_counter() - began
    as_of = utcnow()
    with _alongside(lambda: scorecard_rows(rows, as_of)) as scorecards:
        began = time.perf_counter()
        insert_rows(engine, rows)
        built.insert_seconds = time.perf_counter() - began
        began = time.perf_counter()
        stored = scorecards()
    store_scorecards(engine, stored)
    built.refresh_seconds = time.perf_counter() - began
    built.cpu_seconds = _cpu_seconds() - cpu
    if engine.dialect.name == "sqlite":
        # The build ran without a journal: WAL again, as the app keeps its databases.
        with engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA journal_mode = WAL")  # type: ignore[union-attr]
    built.rows = count_rows(engine)
    return built


def sqlite_database(seed: int, scale: float, *, rebuild: bool = False) -> tuple[Path, Built]:
    """A working copy of the cached SQLite build, generating it first when missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = cache_key(seed, scale)
    cached = CACHE / f"{key}.db"
    meta = CACHE / f"{key}.json"
    if rebuild or not (cached.exists() and meta.exists()):
        # Older builds of this seed and scale (another schema or generator) go: 200 MB each.
        for stale in CACHE.glob(f"seed{seed}-scale{scale:g}-*"):
            stale.unlink()
        partial = CACHE / f"{key}.building.db"
        url = f"sqlite:///{partial}"
        engine = make_engine(url)
        built = build(engine, url, seed, scale)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        partial.rename(cached)
        meta.write_text(json.dumps(asdict(built), indent=2))
    built = Built(**json.loads(meta.read_text()))
    # Benchmarks write (interviews): they get a copy, so the cache stays as generated.
    working = CACHE / "run.db"
    for old in CACHE.glob("run.db*"):
        old.unlink()
    shutil.copyfile(cached, working)
    return working, built


def postgres_database(url: str, seed: int, scale: float, *, rebuild: bool = False) -> Built:
    """Make sure the PostgreSQL bench database holds this build; the key is its comment."""
    database = url.rsplit("/", 1)[1]
    server = make_engine(url.rsplit("/", 1)[0] + "/postgres").execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        comment = conn.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ),
            {"n": database},
        ).scalar()
    server.dispose()
    key = cache_key(seed, scale)
    previous = json.loads(comment) if comment else {}
    if not rebuild and previous.get("key") == key:
        return Built(**previous)
    engine = make_engine(url)
    with engine.begin() as conn:
        # Forget the old key first, so a build that fails halfway is never taken as cached.
        conn.execute(text(f'COMMENT ON DATABASE "{database}" IS NULL'))
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    built = build(engine, url, seed, scale)
    with engine.begin() as conn:
        note = json.dumps(asdict(built)).replace("'", "''")
        conn.execute(text(f"COMMENT ON DATABASE \"{database}\" IS '{note}'"))
    engine.dispose()
    return built

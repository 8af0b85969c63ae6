"""Full-text search over problems, interview notes and quotes, behind one function.

SQLite answers from the FTS5 table `search_index` (kept by triggers, migration 0002), ranked by
bm25; PostgreSQL from GIN-indexed stored tsvectors (revision 0005), ranked by ts_rank. Both put
entries holding the exact phrase above entries where the same words are scattered, and mark
matching words with \\x02 ... \\x03, which the service turns into <mark> after HTML-escaping.

Interview notes run to a million characters. FTS5 indexes such a document whole, and its
snippet() is cut around the words, so SQLite keeps one entry per interview. A PostgreSQL
tsvector cannot: it holds at most 1 MB (a long transcript of varied words failed to save) and
numbers positions only up to 16,383 (a phrase on the last pages was never found as a phrase),
and ts_headline reads the whole text. So PostgreSQL indexes notes as passages of one to two
thousand bytes, cut at a line break where there is one (`search_passage`, kept by a trigger,
revision 0010); each passage's document also holds the interview's title. An interview matches
when one passage (with the title) holds every word; it ranks by its best passage, and its
snippet is cut from that passage, so marking costs the same for any length of notes. Chunking
in the application instead would have missed rows written by bulk inserts (imports, the
benchmark's loader); a trigger sees every writer.

Ranking every match of a common word costs time in proportion to the matches (bm25 over
300,000 entries takes a quarter of a second), so a search ranks at most the newest RANK_WINDOW
matches of each kind (SQLite: of the phrase, then as many of the scattered words): it answers
in bounded time, exactly as a full ranking whenever fewer entries match. The window is as wide
as TOTAL_CAP, so a full window always reads "1,000+". On PostgreSQL (see `_postgres_window`)
the GIN index finds a window's matches among recent rows first; whether a quote's problem and
interview are live is checked for the window's rows only, against the few deleted ones. There
ts_rank reads each document again, so only the newest RANKED_ROWS of a window are ranked; the
rest are counted and shown after the ranked rows of their tier (the phrase, every word, some
words), newest first. A PostgreSQL window holds passages (many may be one interview's) and rows
found dead after it is cut, so a full one makes its total a floor ("232+").
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Date, bindparam, text
from sqlmodel import Session

from app.enums import InterviewKind
from app.search import query as syntax

ResultKind = Literal["problem", "interview", "evidence"]
MARK_START, MARK_END = "\x02", "\x03"
FEW = 20  # fewer matches of every word: show those of some of the words
RANK_WINDOW = 1_000  # at least TOTAL_CAP: a full window reads "1,000+"
RANKED_ROWS = 200  # PostgreSQL: the newest rows of each window that are ranked
TOTAL_CAP = 1_000  # totals above it read "1,000+"


class SearchQuery(BaseModel):
    q: str
    kind: ResultKind | None = None
    interview_kind: InterviewKind | None = None
    problem_id: int | None = None
    segment_id: int | None = None
    participant_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 20
    offset: int = 0


class SearchRow(BaseModel):
    kind: ResultKind
    id: int
    score: float
    exact_phrase: bool
    all_words: bool
    title: str
    snippet: str
    problem_id: int | None
    problem_title: str | None
    interview_id: int | None
    participant_id: int | None
    participant_name: str | None
    occurred_on: date | None


@dataclass(frozen=True)
class SearchPage:
    rows: list[SearchRow]
    total: int  # live matches, up to TOTAL_CAP
    total_is_exact: bool  # false: there are TOTAL_CAP or more
    has_more: bool
    matched: Literal["all", "any"] = "all"


terms = syntax.terms


# ---- where each kind of result lives ----------------------------------------------------------

# The FTS rowid encodes the source row: id * 4 + kind code (migration 0002).
_CODE: dict[ResultKind, int] = {"problem": 1, "interview": 2, "evidence": 3}
_ALIAS = {"problem": "p", "interview": "i", "evidence": "e"}
_TABLE = {"problem": "problem", "interview": "interview", "evidence": "evidence_item"}
_TEXT = {
    "problem": ("title", "statement"),
    "interview": ("title", "notes"),
    "evidence": ("''", "quote"),
}
# The live rows of a workspace, per kind: an evidence item goes with its problem and interview.
_LIVE: dict[ResultKind, str] = {
    "problem": "FROM problem p WHERE p.workspace_id = :ws AND p.deleted_at IS NULL",
    "interview": "FROM interview i WHERE i.workspace_id = :ws AND i.deleted_at IS NULL",
    "evidence": "FROM evidence_item e"
    " JOIN problem ep ON ep.id = e.problem_id AND ep.deleted_at IS NULL"
    " LEFT JOIN interview ei ON ei.id = e.interview_id"
    " WHERE e.workspace_id = :ws AND e.deleted_at IS NULL"
    " AND (ei.id IS NULL OR ei.deleted_at IS NULL)",
}
_DISPLAY: dict[ResultKind, str] = {
    "problem": """
        SELECT p.id AS id, p.id AS problem_id, p.title AS problem_title,
            NULL AS interview_id, NULL AS participant_id, NULL AS participant_name,
            NULL AS occurred_on
        FROM problem p WHERE p.workspace_id = :ws AND p.id IN :ids
    """,
    "interview": """
        SELECT i.id AS id, NULL AS problem_id, NULL AS problem_title, i.id AS interview_id,
            i.participant_id AS participant_id, pt.name AS participant_name,
            i.occurred_on AS occurred_on
        FROM interview i LEFT JOIN participant pt ON pt.id = i.participant_id
        WHERE i.workspace_id = :ws AND i.id IN :ids
    """,
    "evidence": """
        SELECT e.id AS id, e.problem_id AS problem_id, ep.title AS problem_title,
            e.interview_id AS interview_id, e.participant_id AS participant_id,
            pt.name AS participant_name, ei.occurred_on AS occurred_on
        FROM evidence_item e JOIN problem ep ON ep.id = e.problem_id
        LEFT JOIN interview ei ON ei.id = e.interview_id
        LEFT JOIN participant pt ON pt.id = e.participant_id
        WHERE e.workspace_id = :ws AND e.id IN :ids
    """,
}


def _day(dialect: str, column: str) -> str:
    return f"date({column})" if dialect == "sqlite" else f"CAST({column} AS date)"


def _filters(kind: ResultKind, query: SearchQuery, dialect: str) -> str | None:
    """SQL conditions for the filters, or None when a filter rules the whole source out."""
    parts = []
    if query.problem_id is not None:
        parts.append(
            {
                "problem": "p.id = :problem_id",
                "interview": "i.id IN (SELECT interview_id FROM interview_problem"
                " WHERE problem_id = :problem_id)",
                "evidence": "e.problem_id = :problem_id",
            }[kind]
        )
    if query.segment_id is not None:
        if kind == "problem":
            return None  # a problem belongs to no segment
        # Through the participant_id index rather than a join over every row.
        parts.append(
            f"{_ALIAS[kind]}.participant_id IN (SELECT id FROM participant"
            " WHERE workspace_id = :ws AND segment_id = :segment_id)"
        )
    if query.participant_id is not None:
        if kind == "problem":
            return None  # a problem is nobody's
        parts.append(f"{_ALIAS[kind]}.participant_id = :participant_id")
    if query.interview_kind is not None:
        if kind == "problem":
            return None
        parts.append(f"{'i' if kind == 'interview' else 'ei'}.kind = :interview_kind")
    day = {
        "problem": _day(dialect, "p.created_at"),
        "interview": "i.occurred_on",
        "evidence": f"COALESCE(ei.occurred_on, {_day(dialect, 'e.created_at')})",
    }[kind]
    if query.date_from is not None:
        parts.append(f"{day} >= :date_from")
    if query.date_to is not None:
        parts.append(f"{day} <= :date_to")
    return "".join(f" AND {p}" for p in parts)


def _narrow(query: SearchQuery) -> bool:
    """Whether the filters leave few rows (one problem's): then listing them beats checking
    match after match. A segment can hold a quarter of the workspace, so it is checked."""
    return query.problem_id is not None


# ---- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    kind: ResultKind
    id: int
    score: float
    tier: int  # 2: the words as a phrase, 1: every word, 0: some of them
    passage: int | None = None  # PostgreSQL: the interview's best passage


# A hit's score: its tier plus its relevance squeezed into [0, 1), so that the order shown
# (tier, then relevance) is the order of the scores.
def _score(tier: str, relevance: str) -> str:
    return f"{tier} + {relevance} / (1.0 + {relevance})"


def _sqlite_ranked(
    session: Session,
    params: dict[str, Any],
    filters: dict[ResultKind, str],
    query: SearchQuery,
    tiers: list[int],
) -> tuple[list[_Hit], int]:
    """One statement: the newest live matches of each tier (params `tier<n>`: the phrase,
    every word, some words), each ranked by bm25 within its window; a page of them and how
    many there are."""
    scopes = {kind: _LIVE[kind] + where for kind, where in filters.items()}
    by_code = {_CODE[kind]: kind for kind in scopes}
    if _narrow(query):
        # The few rows the filters allow, listed once; the unary + keeps this test out of
        # FTS5's hands (given a rowid list, FTS5 recomputes bm25's statistics per rowid).
        allowed = " UNION ALL ".join(
            f"SELECT {_ALIAS[kind]}.id * 4 + {_CODE[kind]} {scope}"
            for kind, scope in scopes.items()
        )
        live = f"+s.rowid IN ({allowed})"
    else:
        # Checked entry by entry, newest first, until the window is full.
        cases = " ".join(
            f"WHEN {_CODE[kind]} THEN EXISTS (SELECT 1 {scope} AND {_ALIAS[kind]}.id = s.rowid / 4)"
            for kind, scope in scopes.items()
        )
        codes = ", ".join(str(code) for code in by_code)
        live = f"s.rowid % 4 IN ({codes}) AND CASE s.rowid % 4 {cases} ELSE 0 END"

    def window(match: str) -> str:
        # `rank` is bm25 with the title counting ten times the body (lower is better); it is
        # only computed for the entries the window keeps.
        return (
            "SELECT s.rowid AS entry, s.rank AS rank FROM search_index s"
            f" WHERE s.search_index MATCH :{match} AND s.rank MATCH 'bm25(10.0, 1.0)'"
            f" AND {live} ORDER BY s.rowid DESC LIMIT :window"
        )

    windows = ", ".join(f"t{tier} AS ({window(f'tier{tier}')})" for tier in tiers)
    hits = " UNION ALL ".join(
        f"SELECT entry, {_score(str(tier), 'max(-rank, 0.0)')} AS score, {tier} AS tier"
        f" FROM t{tier}"
        for tier in tiers
    )
    sql = (
        f"WITH {windows}, hits AS ({hits})"
        " SELECT entry, score, tier, (SELECT count(*) FROM hits) AS total"
        " FROM hits ORDER BY score DESC, tier DESC, entry DESC LIMIT :limit OFFSET :offset"
    )
    rows = _run(session, sql, params)
    if not rows and query.offset:
        total = _run(session, f"WITH {windows} SELECT count(*) AS total FROM ({hits})", params)
        return [], int(total[0]["total"])
    found = [
        _Hit(by_code[row["entry"] % 4], row["entry"] // 4, float(row["score"]), row["tier"])
        for row in rows
    ]
    return found, int(rows[0]["total"]) if rows else 0


# Each kind as a number, in the order of their names (ties fall as they did when the kind
# was its name); sorting numbers, not words, took a sixth off a search.
_PG_KIND: dict[int, ResultKind] = {1: "evidence", 2: "interview", 3: "problem"}
# What each kind's window reads on PostgreSQL: its columns, its table and rows (before the
# filters). Rows are newest first by id (a passage's id grows each time notes are written).
# Whether an evidence item's problem and interview are live is checked after the window, for
# its rows only (a join over every match of a common word cost more than the rest of the
# search); `interview` is joined only when a filter names it (PostgreSQL drops an unused left
# join).
_PG_COLUMNS = "kind, id, passage, document, problem_id, interview_id"
_PG_SOURCE: dict[ResultKind, tuple[str, str, str]] = {
    "problem": (
        "3, p.id, NULL::integer, p.search_document, NULL::integer, NULL::integer",
        "p",
        "FROM problem p WHERE p.workspace_id = :ws AND p.deleted_at IS NULL",
    ),
    "interview": (
        "2, sp.interview_id, sp.ordinal, sp.search_document, NULL::integer, sp.interview_id",
        "sp",
        "FROM search_passage sp LEFT JOIN interview i ON i.id = sp.interview_id"
        " WHERE sp.workspace_id = :ws",
    ),
    "evidence": (
        "1, e.id, NULL::integer, e.search_document, e.problem_id, e.interview_id",
        "e",
        "FROM evidence_item e LEFT JOIN interview ei ON ei.id = e.interview_id"
        " WHERE e.workspace_id = :ws AND e.deleted_at IS NULL",
    ),
}
_PG_TABLE = {"p": "problem", "sp": "search_passage", "e": "evidence_item"}
# The title and body each kind's stored document is made of (revisions 0005 and 0010).
# The interview's title is looked up for the rows read again only (a join would hash every
# interview of the workspace first).
_PG_TEXT = {
    "p": ("p.title", "p.statement"),
    "sp": ("(SELECT ti.title FROM interview ti WHERE ti.id = sp.interview_id)", "sp.body"),
    "e": ("''", "e.quote"),
}
RECENT_ROWS = 20_000


def _marked_document(alias: str) -> str:
    """A row's document made again from its text with the words of :marked_pattern marked,
    as `syntax.tsquery(..., marked=True)` asks for them."""
    title, body = (
        f"to_tsvector('english', regexp_replace(coalesce({column}, ''), :marked_pattern,"
        f" '{syntax.MARK}\\1', 'gi'))"
        for column in _PG_TEXT[alias]
    )
    return f"(setweight({title}, 'A') || setweight({body}, 'B'))"


def _postgres_window(
    kind: ResultKind, where: str, match: str, marked: bool = False, sure: bool = False
) -> str:
    """The newest RANK_WINDOW matches of one kind, in two parts read in turn: the matches
    among the table's newest RECENT_ROWS rows, then, only if they are too few, the older ones.

    The first part reads the recent rows newest first by the primary key and tests each one
    (`ts_match_vq` is `@@` out of the index's reach), so it stops at the window's last match
    and never reads more than RECENT_ROWS rows. Left to choose, PostgreSQL took the GIN index
    there whenever it guessed a phrase rare (it guesses from each word alone): 62,000 quotes
    of "half a day every week" at scale 3 read and sorted to keep a thousand, 115 ms. The GIN
    index finds the second part, whose words are rare when it runs at all.
    """
    columns, alias, rows = _PG_SOURCE[kind]
    recent = f"(SELECT max(id) FROM {_PG_TABLE[alias]}) - :recent"

    def matching(query: str, indexed: bool) -> str:
        tsquery = f"to_tsquery('english', :{query})"
        if indexed:
            return f"{alias}.search_document @@ {tsquery}"
        return f"ts_match_vq({alias}.search_document, {tsquery})"

    def part(indexed: bool) -> str:
        found = matching(match, indexed)
        if marked:
            # The index finds rows that may match; a row holding the words without the common
            # ones (`syntax.tsquery_sure`, when there is such a query) does, and only the
            # others are read again (OR stops at its first true side).
            reread = f"{_marked_document(alias)} @@ to_tsquery('english', :{match}_marked)"
            if sure:
                reread = f"({matching(f'{match}_sure', indexed)} OR {reread})"
            found += f" AND {reread}"
        # The older rows are told by their id alone (`+ 0` keeps the primary key out of it:
        # ANDed with the GIN index, its bitmap of every older row cost 34 ms at scale 3).
        ids = f"{alias}.id + 0 <= {recent}" if indexed else f"{alias}.id > {recent}"
        return f"SELECT {columns} {rows}{where} AND {found} AND {ids} ORDER BY {alias}.id DESC"

    # Without an ORDER BY of its own the union hands over the first part's rows before it
    # even starts the second one, which the window's LIMIT then never needs.
    # `newest`: the row's place in the window, for ranking only the first RANKED_ROWS.
    return (
        f"SELECT {_PG_COLUMNS}, row_number() OVER () AS newest FROM"
        f" (SELECT {_PG_COLUMNS} FROM (({part(False)}) UNION ALL ({part(True)}))"
        f" AS matches ({_PG_COLUMNS}) LIMIT :window) AS window_rows"
    )


def _postgres_ranked(
    session: Session,
    params: dict[str, Any],
    filters: dict[ResultKind, str],
    query: SearchQuery,
    matches: list[str],
    marked: bool,
) -> tuple[list[_Hit], int, bool]:
    """The newest matches of each kind (a GIN index finds them) for each query of `matches`
    (every word; then some of them), ranked by ts_rank with the exact phrase first, then
    every word, an interview by its best passage; a page of them and how many. `marked`:
    the query's splits hold common words, which a row's text is read again for unless its
    stored document already settles it. Relevance is that of the stored documents, ranked
    for the newest RANKED_ROWS of each window (the others count 0)."""
    # The driver prepares a statement it has run a few times, and PostgreSQL may then plan it
    # once for any words: with the words unknown, its plan read every match and parsed the
    # query again for each row (a search took half as long again). Planned for its words,
    # for the rest of this transaction.
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    windows = " UNION ALL ".join(
        f"({_postgres_window(kind, where, match, marked, f'{match}_sure' in params)})"
        for match in matches
        for kind, where in filters.items()
    )
    # Every row of a window of `every` holds every word: only the phrase is left to test.
    phrase = "document @@ phraseto_tsquery('english', :phrase)"
    if matches == ["every"]:
        tier = f"CASE WHEN {phrase} THEN 2 ELSE 1 END"
    else:
        # Relaxed, fewer than FEW rows hold every word, so all of them are in the window of
        # `every` too, with their tier; a row of `some` that holds them only with a common word
        # (the stored document cannot tell) is counted once, at its best (`best` below).
        if not marked:
            every = "document @@ to_tsquery('english', :every)"
        elif "every_sure" in params:
            every = "document @@ to_tsquery('english', :every_sure)"
        else:
            every = "false"
        tier = f"CASE WHEN NOT {every} THEN 0 WHEN {phrase} THEN 2 ELSE 1 END"
    found = (
        f"WITH hits AS ({windows}),"
        f" ranked AS (SELECT kind, id, passage, newest, {tier} AS tier,"
        " CASE WHEN newest <= :ranked"
        " THEN ts_rank(document, to_tsquery('english', :ranking)) ELSE 0 END AS relevance,"
        # Checked against the few deleted problems and interviews (a partial index holds
        # them, revision 0016), hashed once: a look-up of each row's problem and interview
        # cost a third of the search.
        " (problem_id IS NULL OR problem_id NOT IN"
        " (SELECT ep.id FROM problem ep WHERE ep.deleted_at IS NOT NULL))"
        " AND (interview_id IS NULL OR interview_id NOT IN"
        " (SELECT ei.id FROM interview ei WHERE ei.deleted_at IS NOT NULL)) AS live"
        " FROM hits),"
        f" scored AS (SELECT kind, id, passage, tier, {_score('tier', 'relevance')} AS score"
        " FROM ranked WHERE live),"
        " best AS (SELECT DISTINCT ON (kind, id) kind, id, passage, score, tier FROM scored"
        " ORDER BY kind, id, score DESC, passage)"
    )
    # A full window may leave matches out: of a long interview's passages, or past rows of a
    # deleted problem or interview. Then its total is a floor, not the count.
    total = (
        "(SELECT count(*) FROM best) AS total,"
        " coalesce((SELECT max(newest) FROM ranked), 0) >= :window AS full"
    )
    sql = (
        f"{found} SELECT kind, id, passage, score, tier, {total}"
        " FROM best ORDER BY score DESC, tier DESC, kind, id DESC LIMIT :limit OFFSET :offset"
    )
    rows = _run(session, sql, params)
    if not rows and query.offset:
        row = _run(session, f"{found} SELECT {total}", params)[0]
        return [], int(row["total"]), bool(row["full"])
    hits = [
        _Hit(_PG_KIND[row["kind"]], row["id"], float(row["score"]), row["tier"], row["passage"])
        for row in rows
    ]
    return hits, int(rows[0]["total"]) if rows else 0, bool(rows and rows[0]["full"])


# ---- the search ------------------------------------------------------------------------------


def search(session: Session, *, workspace_id: int, query: SearchQuery) -> SearchPage:
    """A page of the best matches of a query in one workspace, best first; live rows only."""
    parsed = syntax.parse(query.q)
    dialect = session.get_bind().dialect.name
    filters: dict[ResultKind, str] = {}
    for kind in _CODE:
        where = _filters(kind, query, dialect)
        if (query.kind is None or query.kind == kind) and where is not None:
            filters[kind] = where
    if not parsed.terms or not filters:
        return SearchPage([], 0, True, False)
    params: dict[str, Any] = {
        "ws": workspace_id,
        "limit": query.limit,
        "offset": query.offset,
        "window": RANK_WINDOW,
        "ranked": RANKED_ROWS,
        "recent": RECENT_ROWS,
        "problem_id": query.problem_id,
        "segment_id": query.segment_id,
        "participant_id": query.participant_id,
        "interview_kind": query.interview_kind.value if query.interview_kind else None,
        "date_from": query.date_from,
        "date_to": query.date_to,
    }
    matched: Literal["all", "any"] = "all"
    hits, count, full = _ranked(session, dialect, parsed, params, filters, query, every=True)
    if count < FEW and parsed.can_relax:
        relaxed = _ranked(session, dialect, parsed, params, filters, query, every=False)
        if relaxed[1] > count:
            (hits, count, full), matched = relaxed, "any"
    shown = _shown(session, workspace_id, hits)
    marked = _marked(session, dialect, hits, parsed)
    rows = []
    for hit in hits:
        title, snippet = marked.get((hit.kind, hit.id), ("", ""))
        rows.append(
            SearchRow.model_validate(
                shown[(hit.kind, hit.id)]
                | {
                    "kind": hit.kind,
                    "score": hit.score,
                    "exact_phrase": hit.tier == 2,
                    "all_words": hit.tier >= 1,
                    "title": _tags_back(title),
                    "snippet": _tags_back(snippet),
                    "occurred_on": _as_date(shown[(hit.kind, hit.id)]["occurred_on"]),
                }
            )
        )
    has_more = query.offset + len(rows) < count
    exact = count < TOTAL_CAP and not full
    return SearchPage(rows, min(count, TOTAL_CAP), exact, has_more, matched)


def _ranked(
    session: Session,
    dialect: str,
    parsed: syntax.Parsed,
    params: dict[str, Any],
    filters: dict[ResultKind, str],
    query: SearchQuery,
    *,
    every: bool,
) -> tuple[list[_Hit], int, bool]:
    """A page of the matches of every word (or, not `every`, of some of them), how many, and
    whether a full window may have left more out (the count is then a floor)."""
    if dialect == "sqlite":
        all_words, phrase = syntax.fts5(parsed, every=True), syntax.fts5_phrase(parsed)
        params["tier2"] = f"({phrase}) AND ({all_words})"
        params["tier1"] = f"({all_words}) NOT {phrase}"
        tiers = [2] if parsed.single_word else [2, 1]
        if not every:
            params["tier0"] = f"({syntax.fts5(parsed, every=False)}) NOT ({all_words})"
            tiers.append(0)
        found, count = _sqlite_ranked(session, params, filters, query, tiers)
        return found, count, False  # a window holds live entries only: full means 1,000+
    marked = bool(parsed.marked_words)
    params |= {
        "every": syntax.tsquery(parsed, every=True),
        "some": syntax.tsquery(parsed, every=False),
        "phrase": " ".join(parsed.words),
        # Ranked on the stored documents: a common word of a split adds nothing to relevance.
        "ranking": syntax.tsquery(parsed, every=every, exclude=False),
    }
    if marked:
        words = "|".join(sorted(parsed.marked_words))  # letters only
        params |= {
            "every_marked": syntax.tsquery(parsed, every=True, marked=True),
            "some_marked": syntax.tsquery(parsed, every=False, marked=True),
            "marked_pattern": rf"\m({words})\M",
        }
        for match in ("every", "some"):
            sure = syntax.tsquery_sure(parsed, every=match == "every")
            if sure is not None:
                params[f"{match}_sure"] = sure
    return _postgres_ranked(
        session, params, filters, query, ["every"] if every else ["every", "some"], marked
    )


def _run(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    used = {name for name in params if re.search(rf":{name}\b", sql)}
    statement = text(sql).bindparams(
        *(bindparam(name, type_=Date) for name in ("date_from", "date_to") if name in used),
        *(bindparam(name, expanding=True) for name in ("ids", "rowids") if name in used),
    )
    rows = session.execute(statement, {k: v for k, v in params.items() if k in used}).mappings()
    return [dict(row) for row in rows]


def _shown(
    session: Session, workspace_id: int, hits: list[_Hit]
) -> dict[tuple[str, int], dict[str, Any]]:
    """(kind, id) -> the problem, interview and participant a hit belongs to."""
    shown: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, sql in _DISPLAY.items():
        ids = [hit.id for hit in hits if hit.kind == kind]
        if ids:
            for row in _run(session, sql, {"ws": workspace_id, "ids": ids}):
                shown[(kind, row["id"])] = row
    return shown


# ts_headline drops what looks like an HTML tag; hide the angle brackets from it, then put
# them back (in `search`) before the text is escaped.
LT, GT = "\x04", "\x05"


def _untagged(column: str) -> str:
    return f"replace(replace(coalesce({column}, ''), '<', chr(4)), '>', chr(5))"


def _marked(
    session: Session, dialect: str, hits: list[_Hit], parsed: syntax.Parsed
) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, id) -> (title, snippet) with the matching words marked, for a page of hits.

    Marking words is costly, so it is done for the page only; quotes are short and shown whole.
    """
    marked: dict[tuple[str, int], tuple[str, str]] = {}
    if not hits:
        return marked
    if dialect == "sqlite":
        kinds = {hit.id * 4 + _CODE[hit.kind]: hit for hit in hits}
        # The phrase is marked as one run where it is.
        match = syntax.fts5_marks(parsed)
        # A quote is shown whole; notes are cut around the words (the CASE keeps FTS5 from
        # marking a whole transcript only to throw it away).
        sql = (
            "SELECT rowid, highlight(search_index, 0, char(2), char(3)) AS title,"
            f" CASE WHEN rowid % 4 = {_CODE['evidence']}"
            " THEN highlight(search_index, 1, char(2), char(3))"
            " ELSE snippet(search_index, 1, char(2), char(3), '…', 24) END AS snippet"
            " FROM search_index WHERE search_index MATCH :match AND rowid IN :rowids"
        )
        for row in _run(session, sql, {"match": match, "rowids": list(kinds)}):
            hit = kinds[row["rowid"]]
            marked[(hit.kind, hit.id)] = (row["title"] or "", row["snippet"] or "")
        return marked
    options = {
        "highlight_all": f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true",
        "highlight_snippet": f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, "
        'MinWords=12, MaxFragments=2, FragmentDelimiter=" … "',
    }
    for kind in _CODE:
        ids = [hit.id for hit in hits if hit.kind == kind]
        if not ids:
            continue
        alias = _ALIAS[kind]
        title, body = (f"{alias}.{c}" if c != "''" else c for c in _TEXT[kind])
        source = f"{_TABLE[kind]} {alias}"
        if kind == "interview":
            # The snippet comes from the passage that matched best, not the whole notes.
            pairs = ", ".join(
                f"({int(h.id)}, {int(h.passage or 0)})" for h in hits if h.kind == kind
            )
            body = "sp.body"
            source += (
                " JOIN search_passage sp ON sp.interview_id = i.id"
                f" AND (sp.interview_id, sp.ordinal) IN (VALUES {pairs})"
            )
        words = "to_tsquery('english', :marks)"
        body_option = ":highlight_all" if kind == "evidence" else ":highlight_snippet"
        sql = (
            f"SELECT {alias}.id AS id,"
            f" ts_headline('english', {_untagged(title)}, {words}, :highlight_all) AS title,"
            f" ts_headline('english', {_untagged(body)}, {words}, {body_option}) AS snippet"
            f" FROM {source} WHERE {alias}.id IN :ids"
        )
        marks = syntax.tsquery(parsed, every=False, exclude=False)
        for row in _run(session, sql, {"marks": marks, "ids": ids} | options):
            marked[(kind, row["id"])] = (
                row["title"] if kind != "evidence" else "",
                row["snippet"] or "",
            )
    return marked


def _tags_back(value: str | None) -> str:
    return (value or "").replace(LT, "<").replace(GT, ">")


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

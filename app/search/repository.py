"""Full-text search over problems, interview notes and quotes, behind one function.

SQLite answers from the FTS5 table `search_index` (kept by triggers, migration 0002), ranked by
bm25; PostgreSQL from GIN-indexed tsvector expressions on the tables themselves, ranked by
ts_rank. Both rank an exact phrase above the same words scattered, and mark matching words
with \\x02 ... \\x03, which the service turns into <mark> after HTML-escaping the text.
"""

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Date, bindparam, text
from sqlmodel import Session

from app.enums import InterviewKind

ResultKind = Literal["problem", "interview", "evidence"]
MARK_START, MARK_END = "\x02", "\x03"
MAX_TERMS = 12


class SearchQuery(BaseModel):
    q: str
    kind: ResultKind | None = None
    interview_kind: InterviewKind | None = None
    problem_id: int | None = None
    segment_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 20
    offset: int = 0


class SearchRow(BaseModel):
    kind: ResultKind
    id: int
    score: float
    title: str
    snippet: str
    problem_id: int | None
    problem_title: str | None
    interview_id: int | None
    participant_id: int | None
    participant_name: str | None
    occurred_on: date | None


def terms(q: str) -> list[str]:
    """The words of a query; punctuation and FTS syntax are dropped, so any input is safe."""
    return re.findall(r"\w+", q.lower())[:MAX_TERMS]


# ---- the three sources, written once with a few dialect words ---------------------------------

_SOURCES: dict[ResultKind, str] = {
    "problem": """
        SELECT 'problem' AS kind, p.id AS id, {score} AS score,
            {title_hl} AS title, {body_snippet} AS snippet,
            p.id AS problem_id, p.title AS problem_title, NULL AS interview_id,
            NULL AS participant_id, NULL AS participant_name, NULL AS occurred_on
        FROM {source_from} problem p {source_join}
        WHERE {match} AND p.workspace_id = :ws AND p.deleted_at IS NULL {filters}
    """,
    "interview": """
        SELECT 'interview' AS kind, i.id AS id, {score} AS score,
            {title_hl} AS title, {body_snippet} AS snippet,
            NULL AS problem_id, NULL AS problem_title, i.id AS interview_id,
            i.participant_id AS participant_id, pt.name AS participant_name,
            i.occurred_on AS occurred_on
        FROM {source_from} interview i {source_join}
        LEFT JOIN participant pt ON pt.id = i.participant_id
        WHERE {match} AND i.workspace_id = :ws AND i.deleted_at IS NULL {filters}
    """,
    "evidence": """
        SELECT 'evidence' AS kind, e.id AS id, {score} AS score,
            '' AS title, {body_full} AS snippet,
            e.problem_id AS problem_id, ep.title AS problem_title, e.interview_id AS interview_id,
            e.participant_id AS participant_id, pt.name AS participant_name,
            ei.occurred_on AS occurred_on
        FROM {source_from} evidence_item e {source_join}
        JOIN problem ep ON ep.id = e.problem_id AND ep.deleted_at IS NULL
        LEFT JOIN interview ei ON ei.id = e.interview_id
        LEFT JOIN participant pt ON pt.id = e.participant_id
        WHERE {match} AND e.workspace_id = :ws AND e.deleted_at IS NULL
            AND (ei.id IS NULL OR ei.deleted_at IS NULL) {filters}
    """,
}
_ALIAS = {"problem": "p", "interview": "i", "evidence": "e"}
_TABLE = {"problem": "problem", "interview": "interview", "evidence": "evidence_item"}
_TEXT = {
    "problem": ("title", "statement"),
    "interview": ("title", "notes"),
    "evidence": ("''", "quote"),
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
        parts.append("pt.segment_id = :segment_id")
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


def _sqlite_parts(kind: ResultKind) -> dict[str, str]:
    alias = _ALIAS[kind]
    mark = "char(2), char(3)"
    return {
        "source_from": "search_index JOIN",
        "source_join": f"ON {alias}.id = search_index.row_id",
        "match": f"search_index MATCH :match AND search_index.kind = '{_TABLE[kind]}'",
        # bm25 is lower for better matches; the title counts ten times the body.
        "score": "-bm25(search_index, 10.0, 1.0)",
        "title_hl": f"highlight(search_index, 0, {mark})",
        "body_snippet": f"snippet(search_index, 1, {mark}, '…', 24)",
        "body_full": f"highlight(search_index, 1, {mark})",
    }


def tsvector_sql(title: str, body: str) -> str:
    """The weighted document of a row; the same expression as the GIN indexes of 0002."""
    return (
        f"(setweight(to_tsvector('english'::regconfig, coalesce({title}, '')), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, coalesce({body}, '')), 'B'))"
    )


# ts_headline drops what looks like an HTML tag; hide the angle brackets from it, then put
# them back (in `search`) before the text is escaped.
LT, GT = "\x04", "\x05"


def _untagged(column: str) -> str:
    return f"replace(replace(coalesce({column}, ''), '<', chr(4)), '>', chr(5))"


def _postgres_parts(kind: ResultKind) -> dict[str, str]:
    alias = _ALIAS[kind]
    title, body = (f"{alias}.{c}" if c != "''" else c for c in _TEXT[kind])
    document = tsvector_sql(title, body)
    return {
        "source_from": "",
        "source_join": "",
        "match": f"{document} @@ plainto_tsquery('english', :q)",
        # An exact phrase earns a full point on top of the words' rank.
        "score": f"(ts_rank({document}, plainto_tsquery('english', :q)) + CASE WHEN {document}"
        " @@ phraseto_tsquery('english', :q) THEN 1.0 ELSE 0.0 END)",
        "title_hl": f"ts_headline('english', {_untagged(title)},"
        " plainto_tsquery('english', :q), :highlight_all)",
        "body_snippet": f"ts_headline('english', {_untagged(body)},"
        " plainto_tsquery('english', :q), :highlight_snippet)",
        "body_full": f"ts_headline('english', {_untagged(body)},"
        " plainto_tsquery('english', :q), :highlight_all)",
    }


def search(session: Session, *, workspace_id: int, query: SearchQuery) -> list[SearchRow]:
    """The best matches of a query in one workspace, best first; live rows only."""
    words = terms(query.q)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    parts = _sqlite_parts if dialect == "sqlite" else _postgres_parts
    selects = []
    for kind, template in _SOURCES.items():
        if query.kind is not None and query.kind != kind:
            continue
        filters = _filters(kind, query, dialect)
        if filters is None:
            continue
        # Marking words is costly: done below for the page of hits only.
        unmarked = parts(kind) | {"title_hl": "''", "body_snippet": "''", "body_full": "''"}
        if dialect == "sqlite":
            unmarked["match"] += " AND search_index.rowid IN :candidates"
        selects.append(template.format(filters=filters, **unmarked))
    if not selects:
        return []
    sql = (
        "SELECT * FROM ("
        + " UNION ALL ".join(selects)
        + ") AS hits ORDER BY score DESC, kind, id LIMIT :limit OFFSET :offset"
    )
    quoted = [f'"{w}"' for w in words]
    # Every word must match; the whole phrase, when it is there, adds to the rank.
    match = " AND ".join(quoted)
    if len(words) > 1:
        match = f'"{" ".join(words)}" OR ({match})'
    params: dict[str, Any] = {
        "ws": workspace_id,
        "match": match,
        "all_words": " AND ".join(quoted),
        "q": " ".join(words),
        "limit": query.limit,
        "offset": query.offset,
        "problem_id": query.problem_id,
        "segment_id": query.segment_id,
        "interview_kind": query.interview_kind.value if query.interview_kind else None,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "highlight_all": f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true",
        "highlight_snippet": f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, "
        'MinWords=12, MaxFragments=2, FragmentDelimiter=" … "',
    }
    if dialect == "sqlite":
        hits = _sqlite_hits(session, sql, params, query)
    else:
        hits = _run(session, sql, params)
    marked = _marked(session, dialect, hits, params)
    return [
        SearchRow.model_validate(
            hit
            | {
                "title": _tags_back(marked.get((hit["kind"], hit["id"]), ("", ""))[0]),
                "snippet": _tags_back(marked.get((hit["kind"], hit["id"]), ("", ""))[1]),
                "occurred_on": _as_date(hit["occurred_on"]),
                "score": float(hit["score"]),
            }
        )
        for hit in hits
    ]


def _run(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    used = {name for name in params if re.search(rf":{name}\b", sql)}
    statement = text(sql).bindparams(
        *(bindparam(name, type_=Date) for name in ("date_from", "date_to") if name in used),
        *(bindparam("candidates", expanding=True) for _ in [1] if "candidates" in used),
    )
    rows = session.execute(statement, {k: v for k, v in params.items() if k in used}).mappings()
    return [dict(row) for row in rows]


def _sqlite_hits(
    session: Session, sql: str, params: dict[str, Any], query: SearchQuery
) -> list[dict[str, Any]]:
    """FTS5 finds the best-ranked entries of the workspace quickly on its own (ranked by the
    words alone, which is cheaper than with the phrase); the joins that drop deleted rows and
    apply filters, and the phrase bonus, then only run on those candidates. When too few
    survive, a larger batch of candidates is taken."""
    wanted = query.offset + query.limit
    size = wanted * 4 + 50
    while True:
        candidates = list(
            session.execute(
                # `rank` with ORDER BY ... LIMIT is FTS5's fast path to the top entries.
                text(
                    "SELECT rowid FROM search_index WHERE search_index MATCH :match"
                    " AND rank MATCH 'bm25(10.0, 1.0)' AND workspace_id = :ws"
                    " ORDER BY rank LIMIT :size"
                ),
                {"match": params["all_words"], "ws": params["ws"], "size": size},
            ).scalars()
        )
        hits = _run(session, sql, params | {"candidates": candidates})
        if len(hits) >= query.limit or len(candidates) < size:
            return hits
        size *= 4


_ROWID_CODE: dict[ResultKind, int] = {"problem": 1, "interview": 2, "evidence": 3}


def _marked(
    session: Session, dialect: str, hits: list[dict[str, Any]], params: dict[str, Any]
) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, id) -> (title, snippet) with the matching words marked, for a page of hits."""
    marked: dict[tuple[str, int], tuple[str, str]] = {}
    if not hits:
        return marked
    if dialect == "sqlite":
        # The FTS rowid encodes the source row: id * 4 + kind code (migration 0002).
        kinds = {hit["id"] * 4 + _ROWID_CODE[hit["kind"]]: hit for hit in hits}
        statement = text(
            "SELECT rowid, highlight(search_index, 0, char(2), char(3)) AS title,"
            " snippet(search_index, 1, char(2), char(3), '…', 24) AS snippet,"
            " highlight(search_index, 1, char(2), char(3)) AS body"
            " FROM search_index WHERE search_index MATCH :match AND rowid IN :rowids"
        ).bindparams(bindparam("rowids", expanding=True))
        for rowid, title, snippet, body in session.execute(
            statement, {"match": params["match"], "rowids": list(kinds)}
        ):
            hit = kinds[rowid]
            marked[(hit["kind"], hit["id"])] = (
                title or "",
                (body if hit["kind"] == "evidence" else snippet) or "",
            )
        return marked
    for kind in _ROWID_CODE:
        ids = [hit["id"] for hit in hits if hit["kind"] == kind]
        if not ids:
            continue
        expressions = _postgres_parts(kind)
        alias = _ALIAS[kind]
        body = expressions["body_full" if kind == "evidence" else "body_snippet"]
        statement = text(
            f"SELECT {alias}.id, {expressions['title_hl']} AS title, {body} AS snippet"
            f" FROM {_TABLE[kind]} {alias} WHERE {alias}.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        values = {k: params[k] for k in ("q", "highlight_all", "highlight_snippet")}
        for row_id, title, snippet in session.execute(statement, values | {"ids": ids}):
            marked[(kind, row_id)] = (title if kind != "evidence" else "", snippet or "")
    return marked


def _tags_back(value: str | None) -> str:
    return (value or "").replace(LT, "<").replace(GT, ">")


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

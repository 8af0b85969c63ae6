"""Search a workspace: ranked hits with the matching words marked, safe to put in HTML."""

import html
from datetime import date

from pydantic import BaseModel
from sqlmodel import Session

from app.errors import InvalidInput
from app.search import repository
from app.search.repository import MARK_END, MARK_START, ResultKind, SearchQuery
from app.workspaces.deps import WorkspaceContext


class SearchHit(BaseModel):
    kind: ResultKind
    id: int
    score: float
    exact_phrase: bool
    title_html: str
    snippet_html: str
    problem_id: int | None
    problem_title: str | None
    interview_id: int | None
    participant_id: int | None
    participant_name: str | None
    occurred_on: date | None


class SearchResults(BaseModel):
    q: str
    items: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
    total: int
    total_is_exact: bool


def marked_html(text: str) -> str:
    """HTML-escape the text, then turn the search's markers into <mark> elements."""
    return html.escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _title(row: repository.SearchRow) -> str:
    if row.kind != "evidence" and row.title:
        return marked_html(row.title)
    if row.kind == "interview":
        return html.escape(f"Interview on {row.occurred_on}" if row.occurred_on else "Interview")
    who = row.participant_name or "Standalone evidence"
    return html.escape(f"{who} on {row.problem_title}" if row.problem_title else who)


def search(*, session: Session, ctx: WorkspaceContext, query: SearchQuery) -> SearchResults:
    """The workspace's best matches for a query, best first, with matching words marked."""
    if not repository.terms(query.q):
        raise InvalidInput(
            "q: type at least one word to search for.",
            details=[{"field": "q", "message": "no words to search for"}],
        )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidInput("date_from: must not be after date_to.")
    found = repository.search(session, workspace_id=ctx.id, query=query)
    return SearchResults(
        q=query.q,
        items=[
            SearchHit(
                kind=row.kind,
                id=row.id,
                score=round(row.score, 6),
                exact_phrase=row.exact_phrase,
                title_html=_title(row),
                snippet_html=marked_html(row.snippet),
                problem_id=row.problem_id,
                problem_title=row.problem_title,
                interview_id=row.interview_id,
                participant_id=row.participant_id,
                participant_name=row.participant_name,
                occurred_on=row.occurred_on,
            )
            for row in found.rows
        ],
        limit=query.limit,
        offset=query.offset,
        has_more=found.has_more,
        total=found.total,
        total_is_exact=found.total_is_exact,
    )

"""Search a workspace: ranked hits with the matching words marked, safe to put in HTML, each
with the link that opens it where the words are.

An interview hit links to the interview page with the query (`?q=`, which the page marks) and
a text fragment (`#:~:text=`) of the first marked words as the notes spell them, preceded by
the words just before them on the same line, so the browser scrolls to that passage and not
to the first time the word is said. A highlight links to its mark on that page (`#h-<id>`).
"""

import html
import re
from datetime import date
from typing import Literal
from urllib.parse import quote, urlencode

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
    all_words: bool
    title_html: str
    snippet_html: str
    url: str
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
    matched: Literal["all", "any"]


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


# Words of the line before the match that the fragment may name: plain words only, so that
# no speaker label ("Ana:"), timestamp or snippet ellipsis, which the page may show apart
# from the words or which are not in the notes at all, ends up in it.
_PLAIN_WORD = re.compile(r"[\w'\u2019]+[,.;!?]?")
_PREFIX_WORDS = 3
_FIRST_RUN = re.compile(
    f"{MARK_START}[^{MARK_END}]*{MARK_END}"
    f"(?:[^\\w\n…{MARK_START}]+{MARK_START}[^{MARK_END}]*{MARK_END})*"
)


def _fragment_part(text: str) -> str:
    # The text directive's own syntax uses "-", "," and "&": they are escaped like the rest.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment(snippet: str) -> str:
    """A `:~:text=` directive for the first marked words of a snippet, or "" when none."""
    run = _FIRST_RUN.search(snippet)
    if run is None:
        return ""
    words = run.group().replace(MARK_START, "").replace(MARK_END, "").strip()
    # The line the match is on; a snippet may open with "…" glued to a whole word.
    before = snippet[: run.start()].rsplit("\n", 1)[-1].replace(MARK_END, "")
    if "\n" not in snippet[: run.start()]:
        before = before.removeprefix("…")
    prefix: list[str] = []
    for token in reversed(before.split()):
        if len(prefix) == _PREFIX_WORDS or not _PLAIN_WORD.fullmatch(token):
            break
        prefix.insert(0, token)
    if not before.endswith((" ", "\t")):
        prefix = []  # the match starts inside a word of the text before it
    directive = _fragment_part(words)
    if prefix:
        directive = f"{_fragment_part(' '.join(prefix))}-,{directive}"
    return f":~:text={directive}"


def hit_url(workspace: str, row: repository.SearchRow, q: str) -> str:
    """Where a hit opens: the problem, or the interview at the passage or highlight."""
    base = f"/w/{workspace}"
    if row.kind == "problem":
        return f"{base}/problems/{row.id}"
    query = urlencode({"q": q})
    if row.kind == "evidence":
        if row.interview_id is None:
            return f"{base}/problems/{row.problem_id}#evidence-{row.id}"
        return f"{base}/interviews/{row.interview_id}?{query}#h-{row.id}"
    fragment = text_fragment(row.snippet)
    return f"{base}/interviews/{row.id}?{query}" + (f"#{fragment}" if fragment else "")


def search(*, session: Session, ctx: WorkspaceContext, query: SearchQuery) -> SearchResults:
    """The workspace's best matches for a query, best first, with matching words marked."""
    if not repository.terms(query.q):
        raise InvalidInput(
            "q: type at least one word to search for (common words such as 'the' or 'us'"
            " are left out).",
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
                all_words=row.all_words,
                title_html=_title(row),
                snippet_html=marked_html(row.snippet),
                url=hit_url(ctx.workspace.slug, row, query.q),
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
        matched=found.matched,
    )

"""JSON route of full-text search."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.enums import InterviewKind
from app.search import service
from app.search.repository import ResultKind, SearchQuery
from app.validation import Id
from app.workspaces.deps import WorkspaceDep

router = APIRouter(prefix="/workspaces/{ws}", tags=["search"])


@router.get(
    "/search",
    response_model=service.SearchResults,
    summary="Search problems, interview notes and quotes",
    description="Every word must be found (stemmed: `rolling` finds `rolls`; a word is also "
    "found written as two: `rollback` finds `rolling back`, `login` finds `log in`); common words "
    'such as `the` or `us` are left out. `"a phrase"` finds the words side by side, '
    "`-word` leaves out what holds a word, `a OR b` finds either, `roll*` any word starting "
    "with `roll`. When fewer than 20 results hold every word, results holding some of them "
    "are returned too and `matched` is `any` (else `all`); `all_words` says which hits hold "
    "every word. Ranked best first: the exact phrase, then every word, then some words; "
    "`score` follows that order. `title_html` and `snippet_html` are HTML-escaped, with "
    "matching words in `<mark>`.",
)
def search(
    ctx: WorkspaceDep,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find.")],
    kind: Annotated[ResultKind | None, Query(description="Only this kind of result.")] = None,
    interview_kind: Annotated[
        InterviewKind | None, Query(description="Only interviews (and their quotes) of this kind.")
    ] = None,
    problem_id: Annotated[Id | None, Query(description="Only about this problem.")] = None,
    segment_id: Annotated[
        Id | None, Query(description="Only from participants in this segment.")
    ] = None,
    participant_id: Annotated[
        Id | None, Query(description="Only this participant's interviews and quotes.")
    ] = None,
    date_from: Annotated[date | None, Query(description="From this day (interview date).")] = None,
    date_to: Annotated[date | None, Query(description="Up to this day, included.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Any:
    query = SearchQuery(
        q=q,
        kind=kind,
        interview_kind=interview_kind,
        problem_id=problem_id,
        segment_id=segment_id,
        participant_id=participant_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return service.search(session=session, ctx=ctx, query=query)

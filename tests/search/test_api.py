"""Full-text search: ranked, marked, filtered, and only ever within one's own workspace."""

import re
from typing import Any

from tests.factories import Api


def search(api: Api, q: str, **params: Any) -> list[dict[str, Any]]:
    return api.ok(api.get("search", params={"q": q, **params}))["items"]  # type: ignore[no-any-return]


def test_exact_phrase_ranks_above_scattered_words(api: Api) -> None:
    problem = api.problem(title="Billing", statement="")
    scattered = api.evidence(
        problem["id"],
        quote="The month was long; at its end we close the invoice run and the books.",
    )
    exact = api.evidence(problem["id"], quote="Month end close is the worst week for us.")
    api.evidence(problem["id"], quote="Nothing to see here.")

    hits = search(api, "month end close")
    assert [h["id"] for h in hits] == [exact["id"], scattered["id"]]
    marked = " ".join(re.findall(r"<mark>(.*?)</mark>", hits[0]["snippet_html"])).lower()
    assert marked.split() == ["month", "end", "close"]
    assert hits[0]["kind"] == "evidence"
    assert hits[0]["problem_title"] == "Billing"


def test_searches_problems_notes_and_quotes_with_marked_html(api: Api) -> None:
    problem = api.problem(
        title="Spreadsheet exports break", statement="Finance teams <b>struggle</b> at close."
    )
    interview = api.interview(notes="She showed us the spreadsheet with 40 tabs & macros.")
    api.evidence(problem["id"], quote="Our spreadsheet is held together with tape.")

    hits = search(api, "spreadsheet")
    assert {h["kind"] for h in hits} == {"problem", "interview", "evidence"}
    by_kind = {h["kind"]: h for h in hits}
    assert by_kind["problem"]["title_html"] == "<mark>Spreadsheet</mark> exports break"
    assert by_kind["interview"]["id"] == interview["id"]
    assert "&amp; macros" in by_kind["interview"]["snippet_html"]

    statement = search(api, "struggle")[0]
    assert "&lt;b&gt;<mark>struggle</mark>&lt;/b&gt;" in statement["snippet_html"]
    assert [h["kind"] for h in search(api, "spreadsheet", kind="problem")] == ["problem"]


def test_query_syntax_is_just_words(api: Api) -> None:
    api.problem(title="Exports break", statement="")
    hits = search(api, 'exports" (break*')
    assert [re.sub("</?mark>", "", h["title_html"]) for h in hits] == ["Exports break"]
    empty = api.get("search", params={"q": "!!!"})
    assert empty.status_code == 422
    assert "at least one word" in empty.json()["error"]["message"]


def test_workspace_isolation(api: Api) -> None:
    api.problem(title="Secret pricing problem")
    other = Api.signed_up(api.client, email="eve@example.com", workspace="rival")
    other.problem(title="Pricing is confusing")

    assert [h["title_html"] for h in search(other, "pricing")] == [
        "<mark>Pricing</mark> is confusing"
    ]
    assert (
        api.client.get(
            "/api/v1/workspaces/acme/search", params={"q": "pricing"}, headers=other.headers
        ).status_code
        == 404
    )


def test_soft_deleted_rows_are_ignored_and_come_back_when_restored(api: Api) -> None:
    problem = api.problem(title="Onboarding", statement="")
    item = api.evidence(problem["id"], quote="The onboarding wizard lost my data.")
    api.ok(api.delete(f"evidence/{item['id']}"))
    assert search(api, "wizard") == []
    api.ok(api.post(f"evidence/{item['id']}/restore"))
    assert [h["id"] for h in search(api, "wizard")] == [item["id"]]

    api.ok(api.delete(f"problems/{problem['id']}"))
    assert search(api, "wizard") == []  # its problem is gone
    assert search(api, "onboarding") == []


def test_edits_are_searchable_at_once(api: Api) -> None:
    problem = api.problem(title="Old title", statement="")
    api.ok(api.patch(f"problems/{problem['id']}", json={"version": 1, "title": "Renamed thing"}))
    assert search(api, "old") == []
    assert [h["id"] for h in search(api, "renamed")] == [problem["id"]]


def test_filters(api: Api) -> None:
    enterprise = api.segment(name="Enterprise")
    smb = api.segment(name="SMB")
    big = api.participant(name="Big Co buyer", segment_id=enterprise["id"])
    small = api.participant(name="Corner shop", segment_id=smb["id"])
    invoicing = api.problem(title="Invoicing", statement="")
    payroll = api.problem(title="Payroll", statement="")
    api.interview(
        participant_id=big["id"],
        kind="interview",
        occurred_on="2026-01-10",
        highlights=[
            {"problem_id": invoicing["id"], "quote": "Approvals take weeks.", "signal": "paid"}
        ],
    )
    api.interview(
        participant_id=small["id"],
        kind="support_ticket",
        occurred_on="2026-06-10",
        highlights=[
            {"problem_id": payroll["id"], "quote": "Approvals for overtime.", "signal": "stated"}
        ],
    )

    def quotes(**params: Any) -> list[str]:
        return [h["snippet_html"] for h in search(api, "approvals", kind="evidence", **params)]

    assert len(quotes()) == 2
    assert quotes(problem_id=invoicing["id"]) == ["<mark>Approvals</mark> take weeks."]
    assert quotes(segment_id=smb["id"]) == ["<mark>Approvals</mark> for overtime."]
    assert quotes(interview_kind="support_ticket") == ["<mark>Approvals</mark> for overtime."]
    assert quotes(date_from="2026-03-01") == ["<mark>Approvals</mark> for overtime."]
    assert quotes(date_to="2026-03-01") == ["<mark>Approvals</mark> take weeks."]
    assert search(api, "approvals", segment_id=smb["id"], kind="problem") == []
    bad = api.get("search", params={"q": "x", "date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert bad.status_code == 422


def test_pages_keep_the_phrase_first_and_count_the_total(api: Api) -> None:
    problem = api.problem(title="Reports", statement="")
    exact = [
        api.evidence(problem["id"], quote=f"The export drops columns, case {n}.") for n in range(3)
    ]
    scattered = [
        api.evidence(problem["id"], quote=f"Columns vanish when the export {n} drops them.")
        for n in range(3)
    ]

    first = api.ok(api.get("search", params={"q": "export drops columns", "limit": 4}))
    second = api.ok(
        api.get("search", params={"q": "export drops columns", "limit": 4, "offset": 4})
    )
    assert (first["total"], first["total_is_exact"], first["has_more"]) == (6, True, True)
    assert second["has_more"] is False
    ids = [h["id"] for h in first["items"] + second["items"]]
    assert set(ids[:3]) == {e["id"] for e in exact}
    assert set(ids[3:]) == {e["id"] for e in scattered}
    assert [h["exact_phrase"] for h in first["items"]] == [True, True, True, False]
    past_the_end = api.ok(api.get("search", params={"q": "export", "offset": 50}))
    assert (past_the_end["items"], past_the_end["total"]) == ([], 6)


def test_a_broad_query_ranks_the_newest_matches_within_the_window(
    api: Api, monkeypatch: Any
) -> None:
    from app.search import repository

    monkeypatch.setattr(repository, "RANK_WINDOW", 3)
    monkeypatch.setattr(repository, "TOTAL_CAP", 2)
    problem = api.problem(title="Audits", statement="")
    items = [api.evidence(problem["id"], quote=f"Audit trail number {n}.") for n in range(5)]

    found = api.ok(api.get("search", params={"q": "audit", "kind": "evidence"}))
    assert {h["id"] for h in found["items"]} == {e["id"] for e in items[-3:]}
    assert (found["total"], found["total_is_exact"]) == (2, False)


def test_a_transcript_is_searched_to_its_last_line_and_the_hit_opens_it_there(api: Api) -> None:
    from tests.search.transcript import interview_with_notes, transcript

    notes = transcript(320_000, ending="Mateo Núñez: in the end the walrus invoices were paid.")
    interview = interview_with_notes(api, notes)

    [hit] = search(api, "walrus invoices")
    assert (hit["kind"], hit["id"], hit["exact_phrase"]) == ("interview", interview["id"], True)
    snippet = re.sub("</?mark>", "", hit["snippet_html"])
    assert "in the end the walrus invoices were paid" in snippet
    assert len(snippet) < 400
    assert hit["url"] == (
        f"/w/acme/interviews/{interview['id']}?q=walrus+invoices"
        "#:~:text=the%20end%20the-,walrus%20invoices"
    )


def test_matches_past_the_ranked_rows_follow_in_their_tier(api: Api, monkeypatch: Any) -> None:
    from app.search import repository

    monkeypatch.setattr(repository, "RANKED_ROWS", 1)
    problem = api.problem(title="Ledgers", statement="")
    scattered = api.evidence(problem["id"], quote="Close the ledger; then at month end, rest.")
    exact = [api.evidence(problem["id"], quote=f"Month end close, take {n}.") for n in range(3)]

    found = api.ok(api.get("search", params={"q": "month end close", "kind": "evidence"}))
    # Every match is shown and counted, the phrase first, whatever was ranked.
    assert (found["total"], found["total_is_exact"], found["has_more"]) == (4, True, False)
    assert {h["id"] for h in found["items"][:3]} == {e["id"] for e in exact}
    assert found["items"][3]["id"] == scattered["id"]


def test_a_full_window_counts_at_least_what_it_found(api: Api, monkeypatch: Any) -> None:
    from app.search import repository

    monkeypatch.setattr(repository, "RANK_WINDOW", 2)
    monkeypatch.setattr(repository, "TOTAL_CAP", 2)
    api.interview(notes="The walrus ledger came up once.")
    # On PostgreSQL the newest interview's passages fill the window on their own.
    lines = [
        f"Line {n}: the walrus ledger again, and more words to fill it out." for n in range(80)
    ]
    newest = api.interview(notes="\n".join(lines))

    found = api.ok(api.get("search", params={"q": "walrus", "kind": "interview"}))
    assert newest["id"] in {h["id"] for h in found["items"]}
    assert found["total_is_exact"] is False  # more may lie past the window (the older one)
    assert found["total"] <= 2


def test_rows_of_deleted_problems_in_a_full_window_leave_the_total_open(
    api: Api, monkeypatch: Any
) -> None:
    from app.search import repository

    monkeypatch.setattr(repository, "RANK_WINDOW", 3)
    monkeypatch.setattr(repository, "TOTAL_CAP", 3)
    kept = api.problem(title="Kept", statement="")
    items = [api.evidence(kept["id"], quote=f"Audit log number {n}.") for n in range(3)]
    gone = api.problem(title="Gone", statement="")
    api.evidence(gone["id"], quote="Audit log of a problem since deleted.")
    api.ok(api.delete(f"problems/{gone['id']}"))

    found = api.ok(api.get("search", params={"q": "audit", "kind": "evidence"}))
    assert {h["id"] for h in found["items"]} <= {e["id"] for e in items}
    assert len(found["items"]) >= 2
    assert found["total_is_exact"] is False  # a third live quote lies past the window

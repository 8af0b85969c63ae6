"""The search page: a labelled form, ranked results with marked words, live htmx results."""

from tests.app.test_accessibility import skipped_headings, unlabelled_fields
from tests.factories import Api
from tests.pages import Web, soup


def test_the_page_ranks_the_phrase_first_and_marks_the_words(api: Api, web: Web) -> None:
    problem = api.problem(title="Finance", statement="Teams <b>dread</b> it.")
    scattered = api.evidence(problem["id"], quote="At the end of the month we close <the> books.")
    exact = api.evidence(problem["id"], quote="Month end close is the worst week for us.")

    response = web.get("search", params={"q": "month end close"})
    assert response.status_code == 200
    page = soup(response)
    assert unlabelled_fields(page) == []
    assert skipped_headings(page) == []
    assert page.find("input", attrs={"name": "q"})["value"] == "month end close"
    hits = page.select("#search-results li.hit")
    links = [hit.find("h3").find("a")["href"] for hit in hits]
    assert links == [
        f"/w/acme/problems/{problem['id']}#evidence-{exact['id']}",
        f"/w/acme/problems/{problem['id']}#evidence-{scattered['id']}",
    ]
    first_quote = hits[0].find("blockquote")
    marked = " ".join(m.get_text() for m in first_quote.find_all("mark"))
    assert marked.split() == ["Month", "end", "close"]
    # The quote's own angle brackets are text, not markup.
    assert "<the>" in hits[1].find("blockquote").get_text()
    assert hits[1].find("blockquote").find("the") is None
    assert "Results 1\u20132 of 2" in page.select_one("#search-results [role=status]").get_text()


def test_htmx_gets_only_the_results_block(api: Api, web: Web) -> None:
    api.problem(title="Spreadsheet exports break", statement="")
    response = web.htmx("search", target="search-results", params={"q": "spreadsheet"})
    assert response.status_code == 200
    page = soup(response)
    assert page.find("form") is None and page.find("h1") is None
    section = page.find("section", id="search-results")
    assert section is not None
    assert [a.get_text() for a in section.select("h3 a")] == ["Spreadsheet exports break"]


def test_empty_states_and_errors(api: Api, web: Web) -> None:
    start = soup(web.get("search"))
    assert "Type a few words" in start.select_one("#search-results .empty").get_text()

    nothing = soup(web.get("search", params={"q": "zebra"}))
    assert "Nothing matches “zebra”" in nothing.select_one("#search-results .empty").get_text()

    bad = web.get("search", params={"q": "!!!", "date_from": "not a day"})
    assert bad.status_code == 422
    page = soup(bad)
    assert "at least one word" in page.find(id="q-error").get_text()
    assert "YYYY-MM-DD" in page.find(id="date_from-error").get_text()
    reversed_dates = soup(
        web.get("search", params={"q": "x", "date_from": "2026-05-01", "date_to": "2026-01-01"})
    )
    assert "before the start" in reversed_dates.find(id="date_to-error").get_text()


def test_filters_and_pages(api: Api, web: Web) -> None:
    segment = api.segment(name="Enterprise")
    buyer = api.participant(name="Big Co buyer", segment_id=segment["id"])
    problem = api.problem(title="Approvals", statement="")
    other = api.problem(title="Payroll", statement="")
    for n in range(22):
        api.evidence(problem["id"], quote=f"Waiting on approval number {n}.")
    api.interview(
        participant_id=buyer["id"],
        highlights=[{"problem_id": other["id"], "quote": "Waiting forever.", "signal": "stated"}],
    )

    first = soup(web.get("search", params={"q": "waiting", "kind": "evidence"}))
    assert len(first.select("li.hit")) == 20
    next_link = first.select_one("nav.pager a")
    assert next_link.get_text() == "Next →" and "offset=20" in next_link["href"]
    second = soup(web.get("search", params={"q": "waiting", "kind": "evidence", "offset": "20"}))
    assert len(second.select("li.hit")) == 3
    assert [a.get_text() for a in second.select("nav.pager a")] == ["← Previous"]

    in_segment = soup(web.get("search", params={"q": "waiting", "segment_id": segment["id"]}))
    assert [b.get_text() for b in in_segment.select("li.hit blockquote")] == ["Waiting forever."]
    assert "Big Co buyer" in in_segment.select_one("li.hit .hit-meta").get_text()
    selected = in_segment.find("select", id="segment_id").find("option", selected=True)
    assert selected.get_text() == "Enterprise"


def test_other_workspaces_are_not_searched(api: Api, web: Web) -> None:
    api.problem(title="Secret pricing problem")
    other = Api.signed_up(api.client, email="eve@example.com", workspace="rival")
    other.problem(title="Pricing is confusing")
    page = soup(web.get("search", params={"q": "pricing"}))
    assert [a.get_text() for a in page.select("li.hit h3 a")] == ["Secret pricing problem"]
    assert web.get("/w/rival/search", params={"q": "pricing"}).status_code == 404


def test_hits_open_the_interview_at_the_words_and_notes_stay_text(api: Api, web: Web) -> None:
    problem = api.problem(title="Payroll", statement="")
    interview = api.interview(
        notes="Ngozi Okafor: <script>alert('x')</script> our payroll <b>cut-off</b> slips.",
        highlights=[{"problem_id": problem["id"], "quote": "Payroll slips.", "signal": "stated"}],
    )

    page = soup(web.get("search", params={"q": "payroll slips"}))
    links = {hit["class"][1]: hit.find("h3").find("a")["href"] for hit in page.select("li.hit")}
    interview_url = f"/w/acme/interviews/{interview['id']}?q=payroll+slips"
    assert links["hit-interview"] == f"{interview_url}#:~:text=our-,payroll"
    assert links["hit-evidence"].startswith(f"{interview_url}#h-")
    assert page.select_one("#search-results script") is None
    assert page.select_one("#search-results b") is None
    notes = page.select_one("li.hit-interview p").get_text()
    assert "<script>alert('x')</script> our payroll <b>cut-off</b> slips" in notes

"""The interview page: the transcript as a document, highlights marked in place and beside it,
made by offsets from a selection, edited, deleted with undo, and kept through note edits."""

from typing import Any

from sqlalchemy import Engine, event

from app.research.pages import notes_difference
from tests.factories import Api
from tests.pages import Web, soup

NOTES = (
    "[00:00:05] Zoë O'Neill-Brandão: We close the month in a spreadsheet. 😀 It takes a day.\n\n"
    "Interviewer: And then?\n\n"
    "[00:01:10] Zoë O'Neill-Brandão: We pay a contractor <b>every</b> month to fix exports."
)


def passage(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def setup(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    problem = api.problem(title="Month end hurts")
    person = api.participant(name="Zoë O'Neill-Brandão")
    interview = api.interview(notes=NOTES, participant_id=person["id"], problem_ids=[problem["id"]])
    return problem, interview


def test_the_page_reads_like_a_document(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "We pay a contractor <b>every</b> month")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    page = soup(web.get(f"interviews/{interview['id']}"))
    facts = page.find("dl", class_="facts").get_text(" ")
    assert "Zoë O'Neill-Brandão" in facts and "Month end hurts" in facts
    turns = page.select("#transcript p.turn")
    assert [t.select_one(".who").get_text() for t in turns] == [
        "Zoë O'Neill-Brandão:",
        "Interviewer:",
        "Zoë O'Neill-Brandão:",
    ]
    assert turns[0].select_one(".ts").get_text().strip() == "[00:00:05]"
    # Every paragraph holds exactly the notes' characters from its offset: what the script
    # counts to turn a selection into offsets.
    for p in page.select("#transcript p"):
        start_at = int(p["data-offset"])
        assert NOTES[start_at : start_at + len(p.get_text())] == p.get_text()
    mark = page.find(id=f"h-{item['id']}")
    assert mark.name == "mark" and mark.get_text() == "We pay a contractor <b>every</b> month"
    assert "Month end hurts · paid" in mark["data-label"]
    link = page.select_one(f"#side-h-{item['id']} a[href='#h-{item['id']}']")
    assert link is not None


def test_searched_words_are_marked(api: Api, web: Web) -> None:
    _, interview = setup(api)
    page = soup(web.get(f"interviews/{interview['id']}?q=spreadsheet+contractor"))
    assert [m.get_text() for m in page.select("#transcript mark.q")] == [
        "spreadsheet",
        "contractor",
    ]


def test_a_selection_becomes_a_highlight_and_the_page_returns_to_it(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    # The emoji is one character in the notes: the offsets after it are Python's.
    start, end = passage(NOTES, "It takes a day.")
    response = web.post(
        f"interviews/{interview['id']}/highlights",
        {
            "start": str(start - 1),
            "end": str(end),
            "problem_id": str(problem["id"]),
            "signal": "stated",
            "severity": "3",
        },
    )
    assert response.status_code == 303
    items = api.ok(api.get("evidence", params={"interview_id": interview["id"]}))["items"]
    assert [(i["quote"], i["quote_start"], i["anchor"]) for i in items] == [
        ("It takes a day.", start, "anchored")
    ]
    assert response.headers["location"].endswith(f"#h-{items[0]['id']}")
    page = soup(web.get(f"interviews/{interview['id']}"))
    # The next highlight's problem defaults to the last one's.
    chosen = page.find(id="highlight-problem").find("option", selected=True)
    assert chosen["value"] == str(problem["id"])


def test_a_refused_selection_keeps_the_form_open_with_a_plain_message(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    response = web.post(
        f"interviews/{interview['id']}/highlights",
        {"start": "5", "end": "999999", "problem_id": str(problem["id"]), "signal": "paid"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert "must pick a passage of the notes" in page.find(id="page-error").get_text()
    assert page.find(id="highlight-dialog").has_attr("data-open")
    assert page.find(id="highlight-quote").get_text() == NOTES[5:]


def test_edit_and_delete_a_highlight_from_the_side_list(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    other = api.problem(title="Exports break")
    start, end = passage(NOTES, "fix exports")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    base = f"interviews/{interview['id']}/highlights/{item['id']}"
    moved = web.post(base, {"version": "1", "problem_id": str(other["id"]), "signal": "workaround"})
    assert moved.status_code == 303
    now = api.ok(api.get(f"evidence/{item['id']}"))
    assert (now["problem_id"], now["signal"], now["quote_start"]) == (
        other["id"],
        "workaround",
        start,
    )
    stale = web.post(base, {"version": "1", "problem_id": str(problem["id"]), "signal": "paid"})
    assert stale.status_code == 409
    assert "Someone else changed this" in soup(stale).find(id="page-error").get_text()
    gone = web.post(f"{base}/delete")
    assert gone.status_code == 303 and "deleted=" in gone.headers["location"]
    page = soup(web.get(f"interviews/{interview['id']}?deleted={item['id']}"))
    assert page.find(id=f"h-{item['id']}") is None
    assert web.post(f"{base}/restore").status_code == 303
    assert soup(web.get(f"interviews/{interview['id']}")).find(id=f"h-{item['id']}") is not None


def test_a_stale_highlight_edit_shows_both_versions_and_keeps_what_was_chosen(
    api: Api, web: Web
) -> None:
    problem, interview = setup(api)
    other = api.problem(title="Exports break")
    start, end = passage(NOTES, "fix exports")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    theirs = {"version": 1, "signal": "not_a_priority", "severity": 2}
    api.ok(api.patch(f"evidence/{item['id']}", json=theirs))
    base = f"interviews/{interview['id']}/highlights/{item['id']}"
    mine = {
        "version": "1",
        "problem_id": str(other["id"]),
        "signal": "workaround",
        "severity": "4",
        "frequency": "weekly",
    }

    stale = web.post(base, mine)

    assert stale.status_code == 409
    page = soup(stale)
    assert "Someone else changed this highlight" in page.find(id="page-error").get_text()
    side = page.find(id=f"side-h-{item['id']}")
    rows = {
        row.th.get_text(): [td.get_text() for td in row.find_all("td")]
        for row in side.find("aside", class_="stale-compare").tbody("tr")
    }
    assert rows == {
        "Problem": ["Exports break", "Month end hurts"],
        "Signal": ["workaround", "not a priority"],
        "Severity": ["4 of 5", "2 of 5"],
        "Frequency": ["weekly", "none"],
    }
    # The form keeps every choice, now against the saved version.
    form = side.find("form", action=f"/w/acme/{base}")
    chosen = {s["name"]: s.find("option", selected=True)["value"] for s in form("select")}
    assert chosen == {
        "problem_id": str(other["id"]),
        "signal": "workaround",
        "severity": "4",
        "frequency": "weekly",
    }
    assert form.find("input", attrs={"name": "version"})["value"] == "2"
    assert form.find("button", string="Save my version") is not None
    assert form.find("a", string="Take theirs")["href"] == f"/w/acme/{base}/edit"

    assert web.post(base, mine | {"version": "2"}).status_code == 303
    now = api.ok(api.get(f"evidence/{item['id']}"))
    assert (now["problem_id"], now["signal"], now["severity"], now["frequency"]) == (
        other["id"],
        "workaround",
        4,
        "weekly",
    )


def test_editing_the_notes_keeps_highlights_on_their_words(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "We pay a contractor")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    form = soup(web.get(f"interviews/{interview['id']}/edit"))
    assert form.find(id="notes").get_text() == NOTES
    edited = "Ana: A new opening line.\n\n" + NOTES
    values = {
        "version": "1",
        "kind": "interview",
        "occurred_on": interview["occurred_on"],
        "notes": edited,
        "problem_ids": [str(problem["id"])],
    }
    saved = web.post(f"interviews/{interview['id']}/edit", values)
    assert saved.status_code == 303 and "moved=1" in saved.headers["location"]
    page = soup(web.get(saved.headers["location"]))
    assert page.find(id=f"h-{item['id']}").get_text() == "We pay a contractor"
    assert "1 moved with their words" in page.get_text()
    # A second save from the same (now stale) form keeps the typed text, with a plain 409.
    stale = web.post(f"interviews/{interview['id']}/edit", values | {"notes": "Lost?"})
    assert stale.status_code == 409
    assert soup(stale).find(id="notes").get_text() == "Lost?"
    assert "Someone else changed this" in soup(stale).find(class_="form-error").get_text()
    compare = soup(stale).find("aside", class_="stale-compare")
    rows = {
        r.th.get_text(): [td.get_text() for td in r.find_all("td")] for r in compare.tbody("tr")
    }
    ((label, (yours, saved)),) = rows.items()
    assert (label, yours) == ("Notes (where they first differ)", "Lost?")
    assert saved.startswith("Ana: A new opening line.\n\n") and saved.endswith(" …")


def test_where_two_versions_of_long_notes_part_is_shown_not_the_whole_notes() -> None:
    theirs = "\n\n".join(f"Ana: Paragraph {i} about month end." for i in range(20_000))
    mine = theirs.replace("Paragraph 15000 about", "Paragraph 15000, typed again, about")
    assert notes_difference(theirs, theirs) is None
    differs = notes_difference(mine, theirs)
    assert differs is not None
    yours, saved = differs
    assert yours.startswith("… Ana: Paragraph 15000, typed again") and len(yours) < 200
    assert saved.startswith("… Ana: Paragraph 15000 about month end.")


def test_a_detached_highlight_is_listed_apart(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "And then?")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "stated"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    api.ok(api.patch(f"interviews/{interview['id']}", json={"version": 1, "notes": "Gone."}))
    page = soup(web.get(f"interviews/{interview['id']}"))
    assert page.find(id=f"h-{item['id']}") is None
    detached = page.select_one(".side-list.detached")
    assert "And then?" in detached.get_text() and "detached" in detached.get_text()


def test_lists_link_to_the_interview_and_its_highlight(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "We pay a contractor")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    listing = soup(web.get("interviews"))
    assert listing.select_one(f"a[href='/w/acme/interviews/{interview['id']}']") is not None
    detail = soup(web.get(f"problems/{problem['id']}"))
    href = f"/w/acme/interviews/{interview['id']}#h-{item['id']}"
    assert detail.select_one(f"a[href='{href}']") is not None


def test_a_typed_quote_found_in_the_notes_is_marked_there(api: Api, web: Web) -> None:
    problem = api.problem()
    interview = api.interview(
        notes=NOTES,
        highlights=[{"problem_id": problem["id"], "quote": "And then?", "signal": "stated"}],
    )
    page = soup(web.get(f"interviews/{interview['id']}"))
    mark = page.find(id=f"h-{interview['evidence'][0]['id']}")
    assert mark is not None and mark.get_text() == "And then?"


def test_lists_never_load_the_notes(api: Api, web: Web, engine: Engine) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "And then?")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "stated"}
    api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        listing = api.ok(api.get("interviews"))
        for path in ("interviews", "", f"problems/{problem['id']}"):
            assert web.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert listing["items"][0]["notes"] is None
    reads_of_interviews = [s for s in statements if "FROM interview" in s]
    assert reads_of_interviews, "the lists read interviews"
    assert not [s for s in reads_of_interviews if "interview.notes" in s]
    one = api.ok(api.get(f"interviews/{interview['id']}"))
    assert one["notes"] == NOTES and one["notes_length"] == len(NOTES)
    without = api.ok(api.get(f"interviews/{interview['id']}", params={"notes": "false"}))
    assert without["notes"] is None


def test_a_highlight_edit_form_loads_on_demand_or_as_a_page(api: Api, web: Web) -> None:
    problem, interview = setup(api)
    start, end = passage(NOTES, "fix exports")
    body = {"start": start, "end": end, "problem_id": problem["id"], "signal": "paid"}
    item = api.ok(api.post(f"interviews/{interview['id']}/highlights", json=body), 201)
    path = f"interviews/{interview['id']}/highlights/{item['id']}/edit"
    fragment = web.htmx(path)
    assert "<html" not in fragment.text
    assert soup(fragment).find("input", attrs={"name": "version"})["value"] == "1"
    page = soup(web.get(path))
    assert page.find("blockquote").get_text() == "fix exports"

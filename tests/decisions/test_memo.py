"""The decision memo: Markdown and printable HTML, and a past decision's memo never shifts."""

from typing import Any

from bs4 import BeautifulSoup

from tests.decisions.test_api import decide
from tests.factories import Api
from tests.helpers import assert_error


def _markdown(api: Api, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    return response.text


def _section(markdown: str, heading: str) -> str:
    """The text under one '## ' heading, up to the next."""
    after = markdown.split(f"\n## {heading}\n", 1)[1]
    return after.split("\n## ", 1)[0]


def _researched_problem(api: Api) -> dict[str, Any]:
    """A problem with quotes of every strength, a test and a critical assumption."""
    segment = api.segment(name="Enterprise", size=300)
    problem = api.problem(
        title="Month-end exports break",
        statement="Finance teams struggle to close the month because exports break.",
        feasibility_estimate=55,
        feasibility_rationale="We own the export code.",
    )
    pid = problem["id"]
    people = {
        n: api.participant(name=n, segment_id=segment["id"]) for n in ("Ana", "Bo", "Cy", "Di")
    }
    # Logged opinion first, behaviour later: the memo still puts behaviour first.
    api.evidence(
        pid, participant_id=people["Ana"]["id"], signal="stated", severity=5, quote="It is awful."
    )
    api.evidence(pid, participant_id=people["Bo"]["id"], signal="mentioned", quote="Exports, yes.")
    api.evidence(
        pid, participant_id=people["Cy"]["id"], signal="workaround", quote="We keep a macro."
    )
    api.evidence(
        pid, participant_id=people["Di"]["id"], signal="paid", quote="We pay a contractor."
    )
    api.evidence(
        pid, participant_id=people["Di"]["id"], signal="stated", severity=2, quote="Di again."
    )
    api.evidence(pid, signal="not_a_priority", quote="Other fires first.")
    api.evidence(pid, signal="no_action", quote="We live with it.")
    assumption = api.assumption(pid, statement="Exports can be fixed in a sprint", critical=True)
    test = api.test_card(assumption["id"], method="technical_spike", metric="exports that pass")
    body = {
        "version": 1,
        "status": "concluded",
        "observed_value": 0.95,
        "learning": "The | bug is in CSV quoting.",
    }
    api.ok(api.patch(f"tests/{test['id']}", json=body))
    api.assumption(pid, statement="IT will allow the add-in", critical=True, category="viability")
    return problem


def test_the_problem_memo_as_markdown(api: Api) -> None:
    problem = _researched_problem(api)
    decide(api, problem["id"], "pursue", dissent="Ops doubts the sprint estimate.")
    memo = _markdown(api, f"problems/{problem['id']}/memo")
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))

    assert memo.startswith("# Decision memo: Month-end exports break\n")
    assert "Finance teams struggle to close the month" in _section(memo, "Problem statement")
    recommendation = card["recommendation"]["value"]
    assert (
        f"\n## Recommendation: {recommendation} ({card['confidence']['level']} confidence)\n"
        in memo
    )

    scores = _section(memo, "Scorecard")
    # one decimal in the memo's detail table
    assert f"| pain depth | {card['pain']['value']:.1f} | 60 |" in scores
    assert f"| feasibility | {card['feasibility']['value']:.1f} | 50 | meets |" in scores
    # The explanation lists each contribution of each score.
    for contribution in card["pain"]["contributions"]:
        assert contribution["label"] in scores
    assert "We own the export code." in scores

    flags = _section(memo, "Bias flags")
    for flag in card["flags"]:
        assert flag["message"] in flags

    supporting = _section(memo, "Strongest supporting evidence")
    order = ["We pay a contractor.", "We keep a macro.", "It is awful.", "Exports, yes."]
    positions = [supporting.index(quote) for quote in order]
    assert positions == sorted(positions)
    assert "Di again." not in supporting  # one quote per participant: their strongest
    assert "Di (Enterprise), paid" in supporting
    contradicting = _section(memo, "Strongest contradicting evidence")
    assert contradicting.index("We live with it.") < contradicting.index("Other fires first.")

    tests = _section(memo, "Assumption tests")
    assert "- Exports can be fixed in a sprint (feasibility): validated" in tests
    assert "- IT will allow the add-in (viability): untested" in tests
    assert (
        "| technical spike | exports that pass | at least 90 % | concluded | 0.95 | validated |"
        in tests
    )
    assert "The \\| bug is in CSV quoting." in tests  # table-safe

    history = _section(memo, "Decision history")
    assert "Decision " in history and ": pursue, " in history and ", by ada\n" in history
    assert "> The evidence is clear." in history
    assert "> Ops doubts the sprint estimate." in history

    would_change = _section(memo, "What evidence would change the call")
    assert "test the critical assumption 'IT will allow the add-in'" in would_change


def test_the_memo_as_a_printable_page(api: Api) -> None:
    problem = _researched_problem(api)
    response = api.get(f"problems/{problem['id']}/memo", params={"format": "html"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = BeautifulSoup(response.text, "html.parser")
    memo = page.select_one("article.memo")
    assert memo is not None
    assert memo.h1 is not None and memo.h1.get_text() == "Decision memo: Month-end exports break"
    headings = [h2.get_text(" ", strip=True) for h2 in memo.find_all("h2")]
    assert headings[0] == "Problem statement"
    assert headings[1].startswith("Recommendation:")
    assert headings[2:] == [
        "Scorecard",
        "Bias flags",
        "Strongest supporting evidence",
        "Strongest contradicting evidence",
        "Assumption tests",
        "Decision history",
        "What evidence would change the call",
    ]
    quotes = [q.get_text(strip=True) for q in memo.select("figure blockquote")]
    assert quotes[:4] == [
        "We pay a contractor.",
        "We keep a macro.",
        "It is awful.",
        "Exports, yes.",
    ]
    # Its print rules come from the stylesheet: the CSP refuses inline style.
    assert page.find("link", attrs={"rel": "stylesheet", "href": "/static/app.css"}) is not None
    stylesheet = api.client.get("/static/app.css").text
    assert "@media print" in stylesheet and ".memo .no-print" in stylesheet


def test_a_decisions_memo_is_byte_for_byte_the_same_after_new_evidence(api: Api) -> None:
    problem = _researched_problem(api)
    pid = problem["id"]
    decision = decide(api, pid, "pivot", review_on="2027-01-10", customer_advocate_notes="Listen.")
    path = f"decisions/{decision['id']}/memo"
    before = _markdown(api, path)
    html_before = api.get(path, params={"format": "html"}).text
    assert f"Memo of decision {decision['id']}: pivot" in before
    assert "**decided against the evidence**" in _section(before, "Bias flags")

    # Everything moves on: evidence, tests, the problem, the people, further decisions.
    api.evidence(pid, quote="Brand new pain.", signal="switched")
    new_assumption = api.assumption(pid, statement="A new assumption", critical=True)
    api.test_card(new_assumption["id"])
    [old_test] = api.ok(api.get("tests", params={"problem_id": pid}))["items"][:1]
    assert old_test["status"] == "concluded"
    current = api.ok(api.get(f"problems/{pid}"))
    api.ok(
        api.patch(
            f"problems/{pid}",
            json={"version": current["version"], "title": "Renamed", "statement": "New words."},
        )
    )
    api.ok(api.patch(f"decisions/{decision['id']}", json={"version": 1, "review_on": "2027-05-01"}))
    decide(api, pid, "halt", rationale="Changed our minds.")

    after = _markdown(api, path)
    assert after == before
    page_after = BeautifulSoup(api.get(path, params={"format": "html"}).text, "html.parser")
    page_before = BeautifulSoup(html_before, "html.parser")
    assert str(page_after.select_one("article.memo")) == str(page_before.select_one("article.memo"))
    # ...while the memo of today shows the new state.
    today = _markdown(api, f"problems/{pid}/memo")
    assert "Renamed" in today and "Brand new pain." in today and "Changed our minds." in today
    assert "Brand new pain." not in after and "Changed our minds." not in after


def test_a_decisions_memo_shows_the_history_up_to_it(api: Api) -> None:
    problem = api.problem()
    first = decide(api, problem["id"], "park", rationale="Too early.")
    second = decide(api, problem["id"], "pursue", rationale="Customers pay now.")
    first_memo = _markdown(api, f"decisions/{first['id']}/memo")
    second_memo = _markdown(api, f"decisions/{second['id']}/memo")
    assert "Customers pay now." not in first_memo
    history = _section(second_memo, "Decision history")
    assert history.index("Too early.") < history.index("Customers pay now.")


def test_memos_of_unknown_problems_and_decisions_are_not_found(api: Api) -> None:
    assert_error(api.get("problems/404/memo"), 404, "not_found")
    assert_error(api.get("decisions/404/memo"), 404, "not_found")
    assert_error(api.get(f"problems/{api.problem()['id']}/memo", params={"format": "pdf"}), 422)


def test_an_empty_problem_has_a_memo_too(api: Api) -> None:
    memo = _markdown(api, f"problems/{api.problem(statement='')['id']}/memo")
    assert "_No statement written._" in memo
    assert "None logged." in _section(memo, "Strongest supporting evidence")
    assert "No tests planned." in _section(memo, "Assumption tests")
    assert "No decision recorded yet." in _section(memo, "Decision history")


def test_markup_in_the_markdown_memo_is_served_as_text_never_as_a_page(api: Api) -> None:
    """A title with a script is the user's words, kept as typed in Markdown: the answer tells
    the browser it is text (no sniffing) and sandboxes it in case one rendered it anyway."""
    title = "<script>alert('memo')</script> exports"
    problem = api.problem(title=title)
    decision = decide(api, problem["id"])
    for path, name in [
        (f"problems/{problem['id']}/memo", f"problem-{problem['id']}-memo.md"),
        (f"decisions/{decision['id']}/memo", f"decision-{decision['id']}-memo.md"),
    ]:
        response = api.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/markdown; charset=utf-8"
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
        assert response.headers["content-disposition"] == f'inline; filename="{name}"'
        (policy,) = response.headers.get_list("content-security-policy")
        assert [d.strip() for d in policy.split(";")][:2] == ["sandbox", "default-src 'none'"]
        assert title in response.text


def test_markup_in_the_printable_memo_is_escaped(api: Api) -> None:
    problem = api.problem(title="<script>alert('memo')</script> exports")
    response = api.get(f"problems/{problem['id']}/memo", params={"format": "html"})
    assert "<script>alert" not in response.text
    memo = BeautifulSoup(response.text, "html.parser").select_one("article.memo")
    assert memo is not None and memo.h1 is not None
    assert "<script>alert('memo')</script>" in memo.h1.get_text()

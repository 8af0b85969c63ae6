"""Deciding: the review queue, the decision form, and what other roles cannot do."""

from tests.factories import Api
from tests.pages import Web, member_browser, soup


def test_review_lists_problems_with_new_evidence(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    api.evidence(problem["id"])
    page = soup(web.get("review"))
    article = page.find("article")
    assert article.h2.get_text() == "Exports break"
    assert "no decision yet" in article.get_text()
    assert article.find("a", string="Decide")["href"] == f"/w/acme/problems/{problem['id']}/decide"


def test_decision_needs_a_rationale_and_freezes_the_scorecard(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    form = soup(web.get(f"problems/{problem['id']}/decide"))
    assert "What the evidence says now" in form.get_text()
    empty = web.post(f"problems/{problem['id']}/decide", {"kind": "halt", "rationale": "  "})
    assert empty.status_code == 422
    page = soup(empty)
    assert page.find(id="rationale-error") is not None
    assert page.find(id="kind-halt").has_attr("checked")

    response = web.post(
        f"problems/{problem['id']}/decide",
        {
            "kind": "halt",
            "rationale": "Too shallow",
            "against_reason": "No budget this year.",
            "dissent": "Sam",
            "review_on": "2027-01-01",
        },
    )
    assert response.status_code == 303
    decision = api.ok(api.get("decisions"))["items"][0]
    assert decision["kind"] == "halt" and decision["scorecard"]["problem_id"] == problem["id"]
    log = soup(web.get(f"problems/{problem['id']}")).find(id="decisions")
    assert "Too shallow" in log.get_text() and "Sam" in log.get_text()


def test_viewer_and_contributor_cannot_decide(api: Api) -> None:
    problem = api.problem()
    for email, role in [("vic@example.com", "viewer"), ("cat@example.com", "contributor")]:
        browser = member_browser(api, email, role)
        page = soup(browser.get(f"problems/{problem['id']}"))
        assert page.find(id="decide-button") is None
        response = browser.post(
            f"problems/{problem['id']}/decide", {"kind": "pursue", "rationale": "Sneaky"}
        )
        assert response.status_code == 403
        assert "decider" in soup(response).get_text()
    assert api.ok(api.get("decisions"))["total"] == 0


def test_review_pages_link_to_each_other_and_say_when_empty(api: Api, web: Web) -> None:
    empty = soup(web.get("review"))
    assert "Nothing to review" in empty.find(class_="empty").get_text()
    for i in range(27):
        api.evidence(api.problem(title=f"Problem {i:02d}")["id"])

    first = soup(web.get("review"))
    assert len(first.find_all("article")) == 25
    assert "27 problems to review" in first.find("main").get_text()
    pager = first.find("nav", class_="pager")
    assert "1\u201325 of 27" in pager.get_text()
    assert pager.find("a", string="Next →")["href"] == "/w/acme/review?offset=25"

    second = soup(web.get("review?offset=25"))
    assert len(second.find_all("article")) == 2
    assert second.find("nav", class_="pager").find("a", string="← Previous")["href"] == (
        "/w/acme/review"
    )

    beyond = soup(web.get("review?offset=50"))
    assert beyond.find("article") is None
    assert beyond.find("a", string="Go to the first page")["href"] == "/w/acme/review"


def test_the_decide_form_shows_the_call_its_flags_and_explains_park(api: Api, web: Web) -> None:
    problem = api.problem()
    person = api.participant()
    for quote in ("One.", "Two.", "Three.", "Four."):
        api.evidence(problem["id"], participant_id=person["id"], quote=quote)
    form = soup(web.get(f"problems/{problem['id']}/decide"))
    said = form.find(class_="decide-rec").get_text(" ", strip=True)
    assert "recommends" in said and "investigate" in said and "low confidence" in said
    flags = form.find(id="decide-flags").get_text(" ", strip=True)
    assert "One loud source: ada logged 4 of 4 supporting items" in flags
    park = form.find("label", attrs={"for": "kind-park"}).get_text(" ", strip=True)
    assert "without judging it" in park and "never counts as going against" in park


def test_going_against_the_evidence_asks_why(api: Api, web: Web) -> None:
    problem = api.problem()
    url = f"problems/{problem['id']}/decide"
    refused = web.post(url, {"kind": "pursue", "rationale": "We believe in it."})
    assert refused.status_code == 422
    page = soup(refused)
    error = page.find(id="against_reason-error").get_text()
    assert "the evidence recommends investigate; say why you decide to pursue anyway" in error
    assert page.find(id="rationale").get_text() == "We believe in it."
    # park never goes against the evidence
    assert web.post(url, {"kind": "park", "rationale": "Later."}).status_code == 303
    done = web.post(
        url,
        {"kind": "pursue", "rationale": "We believe in it.", "against_reason": "A board ask."},
    )
    assert done.status_code == 303
    decision = api.ok(api.get("decisions"))["items"][0]
    assert decision["against_reason"] == "A board ask."


def test_each_decision_in_the_log_links_to_its_frozen_memo(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    web.post(f"problems/{problem['id']}/decide", {"kind": "park", "rationale": "Later."})
    decision = api.ok(api.get("decisions"))["items"][0]
    log = soup(web.get(f"problems/{problem['id']}")).find(id="decisions")
    base = f"/w/acme/decisions/{decision['id']}/memo"
    links = {a["href"] for a in log.find_all("a")}
    assert {base, base + "/print", base + ".md"} <= links
    api.evidence(problem["id"], quote="New evidence after the decision.")

    page = soup(web.get(base))
    assert page.find("nav") is not None  # inside the app
    assert "as it was when the decision was recorded" in page.get_text()
    assert "Later." in page.get_text()
    assert "New evidence after the decision." not in page.get_text()
    printable = soup(web.get(base + "/print"))
    assert printable.find("nav") is None and printable.find("article", class_="memo")
    markdown = web.get(base + ".md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Decision memo: Exports break")
    # the problem's memo button opens the live memo in the app, not the API
    detail = soup(web.get(f"problems/{problem['id']}"))
    assert detail.find("a", string="Decision memo")["href"] == (
        f"/w/acme/problems/{problem['id']}/memo"
    )

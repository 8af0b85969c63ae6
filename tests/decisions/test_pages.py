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
    assert "The scorecard now" in form.get_text()
    empty = web.post(f"problems/{problem['id']}/decide", {"kind": "halt", "rationale": "  "})
    assert empty.status_code == 422
    page = soup(empty)
    assert page.find(id="rationale-error") is not None
    assert page.find(id="kind-halt").has_attr("checked")

    response = web.post(
        f"problems/{problem['id']}/decide",
        {"kind": "halt", "rationale": "Too shallow", "dissent": "Sam", "review_on": "2027-01-01"},
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

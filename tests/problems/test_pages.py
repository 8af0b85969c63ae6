"""The problem page and the problem forms."""

from tests.factories import Api
from tests.pages import Web, soup


def test_create_problem_then_see_it(web: Web) -> None:
    response = web.post(
        "problems",
        {"title": "Exports break", "statement": "Finance struggles", "tags": "finance, Export"},
    )
    assert response.status_code == 303
    page = soup(web.get(response.headers["location"]))
    assert page.h1.get_text() == "Exports break"
    assert "tags: export, finance" in page.get_text()
    assert page.find(attrs={"data-score": "pain"}) is not None


def test_invalid_problem_shows_the_error_beside_the_field(web: Web) -> None:
    response = web.post("problems", {"title": "", "statement": "kept", "kill_pain": "150"})
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="title-error") is not None
    assert page.find(id="kill_pain-error") is not None
    assert page.find(id="statement").get_text() == "kept"


def test_stale_edit_is_refused_and_keeps_what_was_typed(api: Api, web: Web) -> None:
    problem = api.problem(title="Original")
    form = soup(web.get(f"problems/{problem['id']}/edit"))
    version = form.find("input", attrs={"name": "version"})["value"]
    api.ok(api.patch(f"problems/{problem['id']}", json={"version": 1, "title": "Theirs"}))

    response = web.post(f"problems/{problem['id']}", {"version": version, "title": "Mine"})

    assert response.status_code == 409
    page = soup(response)
    assert "Someone else changed this" in page.find(class_="form-error").get_text()
    assert page.find(id="title")["value"] == "Mine"
    # both versions side by side, and a choice
    compare = page.find("aside", class_="stale-compare")
    row = compare.find("th", string="Title").parent
    assert [td.get_text() for td in row.find_all("td")] == ["Mine", "Theirs"]
    assert page.find("button", string="Save my version") is not None
    assert page.find("a", string="Take theirs")["href"] == f"/w/acme/problems/{problem['id']}/edit"
    again = web.post(f"problems/{problem['id']}", {"version": "2", "title": "Mine"})
    assert again.status_code == 303


def test_problem_page_explains_scores_and_groups_evidence(api: Api, web: Web) -> None:
    segment = api.segment(name="Finance teams")
    problem = api.problem(title="Exports break")
    person = api.participant(name="Bea", segment_id=segment["id"])
    api.interview(
        participant_id=person["id"],
        highlights=[
            {"problem_id": problem["id"], "quote": "We pay a contractor", "signal": "paid"}
        ],
    )
    page = soup(web.get(f"problems/{problem['id']}"))
    pain = page.find(id="pain-h").parent
    assert pain.details.summary.get_text().startswith("Why")
    assert "Bea" in pain.details.get_text()
    evidence = page.find(id="evidence")
    assert evidence.h3.get_text() == "Finance teams"
    assert evidence.h4.get_text().startswith("Bea")
    assert "We pay a contractor" in evidence.blockquote.get_text()
    # one month of research: one mark per score, and the values in the table
    assert len(page.find("svg", class_="trend-chart").find_all("circle")) == 3
    assert len(page.select("table.trend-table tbody tr")) == 1


def test_viewer_sees_no_edit_or_decide_controls(api: Api) -> None:
    from tests.pages import member_browser

    problem = api.problem()
    viewer = member_browser(api, "vic@example.com", "viewer")
    page = soup(viewer.get(f"problems/{problem['id']}"))
    assert page.find(id="decide-button") is None
    assert page.find("a", string="Edit") is None
    assert viewer.get(f"problems/{problem['id']}/edit").status_code == 403

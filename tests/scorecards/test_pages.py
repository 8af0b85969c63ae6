"""The portfolio: chart, table, htmx sorting and filtering, pagination, empty state."""

from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import Engine, func, insert
from sqlmodel import Session, select

from app.db import utcnow
from app.enums import ProblemStatus, Recommendation
from app.problems.models import Problem
from app.scorecards.models import PortfolioRow, ProblemScorecard, ProblemSummary
from app.scorecards.pages import BOTTOM, bubbles
from app.workspaces.models import Workspace
from tests.factories import Api
from tests.pages import Web, soup


def test_empty_workspace_says_what_to_do_first(web: Web) -> None:
    page = soup(web.get(""))
    start = page.find(id="start-heading").parent
    links = [a["href"] for a in start.find_all("a")]
    assert links == ["/w/acme/settings#segments", "/w/acme/problems/new", "/w/acme/interviews/new"]


def test_chart_bubbles_link_to_problems_with_titles_and_markers(api: Api, web: Web) -> None:
    first = api.problem(title="Exports break", feasibility_estimate=80)
    second = api.problem(title="Invoices by hand", feasibility_estimate=20)
    page = soup(web.get(""))
    chart = page.find("svg", class_="chart")
    bubbles = {a["href"]: a for a in chart.find_all("a")}
    assert set(bubbles) == {f"/w/acme/problems/{first['id']}", f"/w/acme/problems/{second['id']}"}
    big = bubbles[f"/w/acme/problems/{first['id']}"]
    small = bubbles[f"/w/acme/problems/{second['id']}"]
    assert big.title.get_text().startswith("1. Exports break: investigate")
    assert float(big.circle["r"]) > float(small.circle["r"])  # radius from feasibility
    assert big.find("text").get_text() == "?"  # a marker, not only a colour
    assert big.find("text", class_="label").get_text() == "1"  # its line in the key
    assert len(chart.find_all("line", class_="threshold")) == 2
    key = page.find("ol", class_="chart-key")
    assert [(li["value"], li.a.get_text()) for li in key.find_all("li")] == [
        ("1", "Exports break"),
        ("2", "Invoices by hand"),
    ]


def test_a_problem_with_its_own_kill_criteria_is_marked_and_its_criteria_named(
    api: Api, web: Web
) -> None:
    own = api.problem(title="Exports break", kill_criteria={"pain": 40, "reach": 20})
    api.problem(title="Invoices by hand")
    page = soup(web.get(""))
    bubble = page.find("svg", class_="chart").find("a", href=f"/w/acme/problems/{own['id']}")
    assert "own" in bubble["class"] and bubble.find("circle", class_="ring") is not None
    assert "judged against its own kill criteria" in bubble.title.get_text()
    line = page.find("ol", class_="chart-key").find("a", string="Exports break").parent
    assert "own kill criteria: pain 40, reach 20 %" in line.get_text(" ", strip=True)
    assert len(page.find_all("circle", class_="ring")) == 1


def test_numbers_of_bubbles_in_one_spot_do_not_cover_each_other() -> None:
    rows = [
        PortfolioRow(
            problem_id=i, title=f"P{i}", status=ProblemStatus.exploring, owner_id=None,
            pain=50, reach=1, reach_upper=5, feasibility=50, confidence="low",
            recommendation=Recommendation.investigate, participants=0, evidence_items=0,
            flags=[],
        )
        for i in range(1, 5)
    ]  # fmt: skip
    drawn = bubbles(rows)
    assert sorted(b.number for b in drawn) == [1, 2, 3, 4]
    spots = {(b.label_x, b.label_y) for b in drawn}
    assert len(spots) == 4  # four places around the same spot, one number each
    boxes = [(b.label_x, b.label_y) for b in drawn]
    assert all(y < BOTTOM for _, y in boxes)  # no number under the axis
    # A reach of 1 % sits above the axis line, not on it.
    assert all(b.cy < BOTTOM - 10 for b in drawn)


def test_segments_without_a_size_are_named_on_the_portfolio(api: Api, web: Web) -> None:
    api.problem()
    api.segment(name="Enterprise", size=None)
    api.segment(name="Startups", size=None)
    notes = soup(web.get("")).find_all("p", class_="notice")
    (note,) = [n for n in notes if "no size" in n.get_text()]
    assert "2 segments have no size, so they weigh equally: set sizes" in note.get_text()


def test_table_sorts_and_filters_through_htmx_returning_only_the_rows(api: Api, web: Web) -> None:
    api.problem(title="Beta problem")
    api.problem(title="Alpha problem")
    response = web.htmx("?sort=title&dir=asc", target="problem-table")
    assert response.status_code == 200
    assert "<html" not in response.text and "<svg" not in response.text
    fragment = soup(response)
    assert fragment.find(id="problem-table") is not None
    titles = [a.get_text() for a in fragment.select("tbody td:first-child a")]
    assert titles == ["Alpha problem", "Beta problem"]

    filtered = soup(web.htmx("?q=beta", target="problem-table"))
    assert [a.get_text() for a in filtered.select("tbody td:first-child a")] == ["Beta problem"]
    none = soup(web.htmx("?recommendation=pursue", target="problem-table"))
    assert "No problem matches" in none.get_text()


def test_table_paginates(api: Api, web: Web) -> None:
    for i in range(27):
        api.problem(title=f"Problem {i:02d}")
    first = soup(web.get("?sort=title&dir=asc"))
    assert len(first.select("#problem-table tbody tr")) == 25
    pager = first.find("nav", class_="pager")
    assert "1\u201325 of 27" in pager.get_text()
    second = soup(web.get("?sort=title&dir=asc&offset=25"))
    rows = second.select("#problem-table tbody tr")
    assert [r.a.get_text() for r in rows] == ["Problem 25", "Problem 26"]


def test_deleting_a_problem_offers_undo(api: Api, web: Web) -> None:
    problem = api.problem(title="Soon gone")
    response = web.post(f"problems/{problem['id']}/delete")
    assert response.headers["location"] == f"/w/acme?deleted={problem['id']}"
    page = soup(web.get(response.headers["location"]))
    assert "Soon gone" in page.find(class_="notice").get_text()
    undo = web.post(f"problems/{problem['id']}/restore")
    assert undo.status_code == 303
    assert "Soon gone" in web.get("").text


def bulk_problems(engine: Engine, workspace: str, count: int) -> None:
    """Many problems with stored cards spread over pain and reach, inserted in bulk."""
    now = utcnow()
    with Session(engine) as session:
        ws = session.exec(select(Workspace.id).where(Workspace.slug == workspace)).one()
        first = (session.exec(select(func.max(Problem.id))).one() or 0) + 1
        ids = range(first, first + count)
        common = {"workspace_id": ws, "created_at": now, "updated_at": now, "version": 1}
        session.execute(
            insert(Problem),
            [
                common
                | {
                    "id": i,
                    "title": f"Bulk problem {i}",
                    "statement": "",
                    "status": ProblemStatus.exploring,
                    "feasibility_rationale": "",
                }
                for i in ids
            ],
        )
        recommendations = list(Recommendation)
        figures = [
            {
                "problem_id": i,
                "workspace_id": ws,
                "pain": i * 37 % 101,
                "reach": i * 53 % 101,
                "reach_upper": 100,
                "feasibility": 50,
                "confidence": "low",
                "recommendation": recommendations[i % len(recommendations)].value,
                "participants": 0,
                "evidence_items": 0,
                "flags": [],
            }
            for i in ids
        ]
        session.execute(
            insert(ProblemScorecard),
            [row | {"computed_at": now, "data": {}, "trend": []} for row in figures],
        )
        session.execute(insert(ProblemSummary), [row | {"by_signal": {}} for row in figures])
        session.commit()


def test_many_problems_are_counted_per_cell_with_a_drill_down(
    api: Api, web: Web, engine: Engine
) -> None:
    bulk_problems(engine, "acme", 3_000)
    response = web.get("")
    assert len(response.content) < 150_000
    chart = soup(response).find("svg", class_="chart")
    assert chart.find("circle") is None
    cells = chart.find_all("a", class_="cell")
    assert 50 <= len(cells) <= 100
    counts = {a["href"]: int(a.find("text").get_text()) for a in cells}
    assert sum(counts.values()) == 3_000
    assert "3000 problems counted in" in chart.find("desc").get_text()

    href, count = max(counts.items(), key=lambda item: item[1])
    link = cells[list(counts).index(href)]
    assert link.title.get_text().startswith(f"{count} problems with pain ")
    bounds = dict(parse_qsl(urlsplit(href).query))
    table = soup(web.get(href.removeprefix("/w/acme").split("#")[0]))
    assert f"of {count}" in table.find("nav", class_="pager").get_text()
    assert "Only problems with pain" in table.find(class_="notice").get_text()
    for row in table.select("#problem-table tbody tr"):
        pain, reach = (float(td.get_text().rstrip("%")) for td in row.select("td.num")[:2])
        assert float(bounds["pain_min"]) - 0.5 <= pain <= float(bounds.get("pain_max", 100)) + 0.5
        assert float(bounds["reach_min"]) - 0.5 <= reach
        assert reach <= float(bounds.get("reach_max", 100)) + 0.5
    api_page = api.ok(api.get("portfolio", params=bounds | {"limit": 1}))
    assert api_page["total"] == count

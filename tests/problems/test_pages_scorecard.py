"""The scorecard on the problem page: what is missing is said, not invented."""

from tests.factories import Api
from tests.pages import Web, soup


def score_text(page: object, name: str) -> str:
    return page.find(attrs={"data-score": name}).get_text(" ", strip=True)  # type: ignore[attr-defined]


def test_a_problem_without_evidence_shows_no_evidence_yet_not_scores(api: Api, web: Web) -> None:
    problem = api.problem()
    page = soup(web.get(f"problems/{problem['id']}"))
    assert score_text(page, "pain") == "no evidence yet"
    assert score_text(page, "reach") == "no evidence yet"
    assert score_text(page, "feasibility") == "no estimate yet"
    assert "team estimate" not in page.get_text()
    assert page.find("a", href="/w/acme/glossary") is not None


def test_team_estimate_is_named_only_when_one_was_given(api: Api, web: Web) -> None:
    guessed = api.problem(feasibility_estimate=70)
    unguessed = api.problem()
    for problem in (guessed, unguessed):
        api.evidence(problem["id"], participant_id=api.participant()["id"])
    with_estimate = soup(web.get(f"problems/{guessed['id']}")).get_text(" ")
    without = soup(web.get(f"problems/{unguessed['id']}")).get_text(" ")
    assert "team estimate 70" in with_estimate
    assert "team estimate" not in without.replace("no team estimate", "")
    assert "no team estimate, so it starts at 50" in without


def test_missing_severity_and_a_cancelled_supporter_are_listed(api: Api, web: Web) -> None:
    problem = api.problem()
    bea = api.participant(name="Bea")
    api.evidence(problem["id"], participant_id=bea["id"], signal="paid", quote="We pay for it.")
    api.evidence(
        problem["id"],
        participant_id=bea["id"],
        signal="not_experienced",
        stance="contradicts",
        quote="Actually we never had it.",
    )
    api.evidence(problem["id"], participant_id=api.participant()["id"], signal="stated")
    page = soup(web.get(f"problems/{problem['id']}"))
    missing = [li.get_text(" ", strip=True) for li in page.select("ul.missing li")]
    assert any(m.startswith("1 stated pain without a severity") for m in missing), missing
    assert (
        "Bea: their support “We pay for it.” is cancelled by their own contradicting item"
        " “Actually we never had it.” (does not have it)" in missing
    )


def test_the_trend_follows_the_research_month_by_month(api: Api, web: Web) -> None:
    problem = api.problem()
    for day, signal in (("2026-03-10", "mentioned"), ("2026-05-20", "paid")):
        api.interview(
            participant_id=api.participant()["id"],
            occurred_on=day,
            highlights=[{"problem_id": problem["id"], "quote": "Q", "signal": signal}],
        )
    page = soup(web.get(f"problems/{problem['id']}"))
    rows = [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        for row in page.select("table.trend-table tbody tr")
    ]
    # March, April (nothing new) and May, by interview date, not by when they were typed in
    assert [row[0] for row in rows] == ["Mar 2026", "Apr 2026", "May 2026"]
    assert [row[1] for row in rows] == ["1", "1", "2"]
    assert rows[0][2] == rows[1][2] and int(rows[2][2]) > int(rows[1][2])
    chart = page.find("svg", class_="trend-chart")
    assert chart.title.get_text().startswith("Scores by month of research, March 2026 to May 2026")
    assert {t.get_text() for t in chart.find_all("text", class_="tick")} >= {"0", "100", "Mar 2026"}

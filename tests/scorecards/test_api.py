"""Scorecards through the API: current, as of a moment, history, portfolio and thresholds."""

import csv
import io
import time
from datetime import UTC, datetime

from tests.factories import Api


def test_scorecard_is_explained(api: Api) -> None:
    problem = api.problem()
    person = api.participant()
    api.evidence(problem["id"], participant_id=person["id"], signal="workaround")
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    # One participant at 0.8 and the prior (2 at 0.3): 100 * (0.8 + 0.6) / 3
    assert card["pain"]["value"] == round(100 * (0.8 + 0.6) / 3, 2)
    kinds = {c["kind"] for c in card["pain"]["contributions"]}
    assert {"prior", "participant"} <= kinds
    assert (
        abs(sum(c["amount"] for c in card["pain"]["contributions"]) - card["pain"]["value"]) < 0.05
    )
    assert card["recommendation"]["value"] == "investigate"
    assert card["recommendation"]["would_change_call"]


def test_scorecard_as_of_uses_only_rows_that_existed(api: Api) -> None:
    problem = api.problem()
    first = api.participant()
    api.evidence(problem["id"], participant_id=first["id"], signal="paid")
    time.sleep(0.05)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    second = api.participant()
    item = api.evidence(problem["id"], participant_id=second["id"], signal="paid")
    now = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    then = api.ok(api.get(f"problems/{problem['id']}/scorecard", params={"as_of": moment}))
    assert now["counts"]["participants"] == 2
    assert then["counts"]["participants"] == 1
    # A deletion after the moment does not change the past.
    api.delete(f"evidence/{item['id']}")
    again = api.ok(api.get(f"problems/{problem['id']}/scorecard", params={"as_of": moment}))
    assert again["pain"] == then["pain"]


def test_history_returns_points(api: Api) -> None:
    problem = api.problem()
    api.evidence(problem["id"], participant_id=api.participant()["id"])
    points = api.ok(api.get(f"problems/{problem['id']}/scorecard/history", params={"points": 5}))
    assert len(points) == 5
    assert points[-1]["pain"] > points[0]["pain"] or points[0]["pain"] == points[-1]["pain"]
    assert [p["at"] for p in points] == sorted(p["at"] for p in points)
    bad = api.get(
        f"problems/{problem['id']}/scorecard/history",
        params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"


def test_portfolio_sorts_and_filters(api: Api) -> None:
    deep, shallow = api.problem(title="Deep"), api.problem(title="Shallow")
    for _ in range(3):
        api.evidence(deep["id"], participant_id=api.participant()["id"], signal="paid")
    api.evidence(shallow["id"], participant_id=api.participant()["id"], signal="mentioned")
    api.problem(title="Old", status="archived")
    rows = api.ok(api.get("portfolio"))["items"]
    assert [r["title"] for r in rows] == ["Deep", "Shallow"]
    assert rows[0]["pain"] > rows[1]["pain"]
    ascending = api.ok(api.get("portfolio", params={"sort": "pain", "descending": False}))["items"]
    assert [r["title"] for r in ascending] == ["Shallow", "Deep"]
    archived = api.ok(api.get("portfolio", params={"status": "archived"}))["items"]
    assert [r["title"] for r in archived] == ["Old"]
    investigate = api.ok(api.get("portfolio", params={"recommendation": "investigate"}))
    assert investigate["total"] == 2
    assert api.get("portfolio", params={"sort": "bogus"}).status_code == 422


def test_portfolio_filters_by_segment_and_owner(api: Api) -> None:
    segment = api.segment()
    in_segment, elsewhere = api.problem(), api.problem()
    api.evidence(in_segment["id"], participant_id=api.participant(segment_id=segment["id"])["id"])
    api.evidence(elsewhere["id"], participant_id=api.participant()["id"])
    rows = api.ok(api.get("portfolio", params={"segment_id": segment["id"]}))["items"]
    assert [r["problem_id"] for r in rows] == [in_segment["id"]]
    mine = api.ok(api.get("portfolio", params={"owner_id": api.user_id}))["total"]
    assert mine == 2


def test_scoring_thresholds_are_admin_only_and_versioned(api: Api) -> None:
    settings = api.ok(api.get("settings/scoring"))
    assert settings["pain_threshold"] == 60
    changed = api.ok(
        api.patch("settings/scoring", json={"version": settings["version"], "pain_threshold": 40})
    )
    assert changed["pain_threshold"] == 40
    stale = api.patch(
        "settings/scoring", json={"version": settings["version"], "pain_threshold": 50}
    )
    assert stale.status_code == 409
    assert (
        api.patch(
            "settings/scoring", json={"version": changed["version"], "reach_threshold": 101}
        ).status_code
        == 422
    )
    contributor = api.as_member("casey@example.com", "contributor")
    assert contributor.get("settings/scoring").status_code == 403
    problem = api.problem()
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert card["thresholds"]["pain"] == 40


def test_single_source_flag_names_the_team_member(api: Api) -> None:
    problem = api.problem()
    for _ in range(4):
        api.evidence(problem["id"], participant_id=api.participant()["id"])
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    flag = next(f for f in card["flags"] if f["code"] == "single_source")
    assert flag["message"].startswith("ada logged 4 of 4 supporting items")


def test_portfolio_pages_and_filters_in_sql(api: Api) -> None:
    for i in range(5):
        problem = api.problem(title=f"Problem {i}")
        for _ in range(i):
            api.evidence(problem["id"], participant_id=api.participant()["id"], signal="paid")
    api.problem(title="Invoices by hand")
    first = api.ok(api.get("portfolio", params={"limit": 2}))
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (6, 2, 0, 2)
    everything = api.ok(api.get("portfolio", params={"limit": 100}))["items"]
    second = api.ok(api.get("portfolio", params={"limit": 2, "offset": 2}))["items"]
    assert second == everything[2:4]
    assert [r["title"] for r in everything[:2]] == ["Problem 4", "Problem 3"]

    found = api.ok(api.get("portfolio", params={"q": "INVOICES"}))
    assert [r["title"] for r in found["items"]] == ["Invoices by hand"] and found["total"] == 1
    assert api.ok(api.get("portfolio", params={"q": "100%_"}))["total"] == 0
    pain = sorted(r["pain"] for r in everything)
    middle = api.ok(api.get("portfolio", params={"pain_min": pain[2], "pain_max": pain[4]}))
    assert sorted(r["pain"] for r in middle["items"]) == [p for p in pain if pain[2] <= p < pain[4]]
    assert api.get("portfolio", params={"pain_min": 101}).status_code == 422


def test_portfolio_csv_lists_every_match_and_keeps_formulas_inert(api: Api) -> None:
    titles = ["=HYPERLINK(1)", *(f"Problem {i:02d}" for i in range(60))]
    for title in titles:
        api.problem(title=title)
    api.problem(title="Old", status="archived")
    response = api.get("portfolio.csv", params={"sort": "title", "descending": False})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["title"] for r in rows] == ["'=HYPERLINK(1)", *titles[1:]]
    listed = api.ok(api.get("portfolio", params={"sort": "title", "descending": False}))
    for row, item in zip(rows, listed["items"], strict=False):
        assert (int(row["problem_id"]), float(row["pain"]), row["recommendation"]) == (
            item["problem_id"],
            item["pain"],
            item["recommendation"],
        )
    archived = api.get("portfolio.csv", params={"status": "archived"})
    assert [r["title"] for r in csv.DictReader(io.StringIO(archived.text))] == ["Old"]

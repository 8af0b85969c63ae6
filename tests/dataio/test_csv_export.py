"""CSV exports: problems with their scores, interviews, evidence (and they import back)."""

import csv
import io
from collections.abc import Callable
from typing import Any

from tests.factories import Api

Cli = Callable[..., Any]


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_exports_from_the_api(api: Api) -> None:
    segment = api.segment(name="SMB")
    person = api.participant(name="Ada", segment_id=segment["id"])
    problem = api.problem(title="Exports break", tags=["finance"])
    gone = api.problem(title="Deleted problem")
    api.ok(api.delete(f"problems/{gone['id']}"))
    api.interview(
        participant_id=person["id"],
        notes="=HYPERLINK(evil)",
        highlights=[{"problem_id": problem["id"], "quote": "We pay for it.", "signal": "paid"}],
    )

    response = api.get("export/problems.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "evident-acme-problems.csv" in response.headers["content-disposition"]
    problems = rows_of(response.text)
    assert [p["title"] for p in problems] == ["Exports break"]
    card = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert float(problems[0]["pain"]) == card["pain"]["value"]
    assert problems[0]["recommendation"] == card["recommendation"]["value"]
    assert problems[0]["tags"] == "finance"

    interviews = rows_of(api.get("export/interviews.csv").text)
    assert interviews[0]["participant"] == "Ada"
    assert interviews[0]["segment"] == "SMB"
    assert interviews[0]["problems_covered"] == "Exports break"
    assert interviews[0]["notes"] == "'=HYPERLINK(evil)"  # never run as a formula

    evidence = rows_of(api.get("export/evidence.csv").text)
    assert [(e["participant"], e["quote"], e["signal"]) for e in evidence] == [
        ("Ada", "We pay for it.", "paid")
    ]
    assert api.get("export/secrets.csv").status_code == 422


def test_evidence_csv_imports_back_into_another_workspace(api: Api) -> None:
    problem = api.problem(title="Exports break")
    person = api.participant(name="Ada")
    highlight = {"problem_id": problem["id"], "quote": "It takes days, every month."}
    highlight |= {"signal": "stated", "severity": 4, "frequency": "monthly"}
    api.interview(participant_id=person["id"], highlights=[highlight])
    exported = api.get("export/evidence.csv").content
    other = Api.signed_up(api.client, email="bo@example.com", workspace="other")
    other.problem(title="Exports break")
    report = other.ok(
        other.post("import/interviews", files={"file": ("evidence.csv", exported, "text/csv")})
    )
    assert report["imported"] == 1
    [item] = other.ok(other.get("evidence"))["items"]
    assert (item["quote"], item["severity"], item["frequency"]) == (
        "It takes days, every month.",
        4,
        "monthly",
    )


def test_cli_csv_export(cli: Cli, api: Api) -> None:
    api.problem(title="Exports break")
    result = cli("export", "--workspace", "acme", "--format", "csv", "--table", "problems")
    assert result.exit_code == 0, result.output
    assert [p["title"] for p in rows_of(result.stdout)] == ["Exports break"]
    wrong = cli("export", "--workspace", "acme", "--format", "csv", "--table", "nope")
    assert wrong.exit_code == 1

"""An import that carries everything: interview titles and notes, participants' roles,
organisations and contacts, segment sizes; problems it may create; errors grouped by reason;
column names the workspace mapped once."""

from pathlib import Path
from typing import Any

from tests.dataio.test_csv_import import csv_of, upload
from tests.factories import Api

FULL_HEADER = (
    "participant,participant_title,organisation,contact,segment,segment_size,interview_date,"
    "interview_kind,interview_title,interview_notes,quote,problem,signal,severity,frequency"
)


def full_file() -> bytes:
    return csv_of(
        'Ada,Controller,Initech,ada@example.com,Enterprise,"1,200",2026-10-01,interview,'
        'Close review,"We talked about the close.",The close takes a week,Bugs,stated,4,monthly',
        "Ada,,,,Enterprise,,2026-10-01,interview,,,We pay a contractor,Bugs,paid,,",
        "Bob,CFO,Globex,,,,2026-10-02,survey,,,Never had it,Exports break,not_experienced,,",
        header=FULL_HEADER,
    )


def test_missing_problems_are_one_grouped_error_each(api: Api) -> None:
    rows = [f"P{i},2026-10-01,Crash {i},Bugs,stated" for i in range(40)]
    rows.append("Q,2026-10-01,Slow,Speed,stated")
    rows.append("R,2026-10-01,Odd,Speed,loud")
    data = csv_of(*rows, header="participant,interview_date,quote,problem,signal")
    preview = api.ok(upload(api, data, preview=True))

    groups = preview["error_groups"]
    assert [(g["count"], g["missing_problem"]) for g in groups] == [
        (40, "Bugs"),
        (1, "Speed"),
        (1, None),
    ]
    assert groups[0]["lines"] == [2, 3, 4, 5, 6]
    assert len(preview["errors"]) == 42


def test_create_problems_shows_them_with_counts_then_creates_them(api: Api) -> None:
    preview = api.ok(upload(api, full_file(), preview=True, create_problems="true"))
    assert preview["errors"] == []
    assert preview["new_problems"] == {"Bugs": 2, "Exports break": 1}

    report = api.ok(upload(api, full_file(), create_problems="true"))

    assert report["problems_created"] == 2 and report["imported"] == 3
    problems = {p["title"]: p for p in api.ok(api.get("problems"))["items"]}
    assert set(problems) == {"Bugs", "Exports break"}
    again = api.ok(upload(api, full_file(), create_problems="true"))
    assert (again["imported"], again["already_imported"], again["problems_created"]) == (0, 3, 0)


def test_people_interviews_and_segments_carry_what_the_file_says(api: Api) -> None:
    api.ok(upload(api, full_file(), create_problems="true"))
    people = {p["name"]: p for p in api.ok(api.get("participants"))["items"]}
    assert (people["Ada"]["title"], people["Ada"]["organisation"]) == ("Controller", "Initech")
    assert people["Ada"]["contact"] == "ada@example.com"
    assert (people["Bob"]["title"], people["Bob"]["organisation"]) == ("CFO", "Globex")
    segments = api.ok(api.get("segments"))["items"]
    assert [(s["name"], s["size"]) for s in segments] == [("Enterprise", 1200)]
    interviews = api.ok(api.get("interviews", params={"participant_id": people["Ada"]["id"]}))
    (ada,) = interviews["items"]
    full = api.ok(api.get(f"interviews/{ada['id']}"))
    assert (full["title"], full["notes"]) == ("Close review", "We talked about the close.")


def test_bad_values_of_the_new_columns_are_row_errors(api: Api) -> None:
    data = csv_of(
        "Ada,lots,2026-10-01,q,Bugs,stated",
        header="participant,segment_size,interview_date,quote,problem,signal",
    )
    preview = api.ok(upload(api, data, preview=True, create_problems="true"))
    assert preview["errors"][0]["message"] == "segment size 'lots' is not a whole number"


def put_columns(api: Api, body: dict[str, Any]) -> Any:
    return api.client.put(api.url("import/columns"), headers=api.headers, json=body)


def test_a_mapping_remembered_for_the_workspace_reads_other_headers(api: Api) -> None:
    data = csv_of(
        "Ada,2026-10-01,It breaks,Bugs,stated",
        header="Who,When,What they said,Problem,Signal",
    )
    refused = upload(api, data, preview=True)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "missing_columns"
    mapping = {"Who": "participant", "When": "interview_date", "What they said": "quote"}
    kept = api.ok(put_columns(api, {"columns": mapping}))
    assert kept["columns"]["what_they_said"] == "quote"

    preview = api.ok(upload(api, data, preview=True, create_problems="true"))
    assert preview["columns"]["quote"] == "What they said"
    assert preview["good_rows"] == 1
    twice = put_columns(api, {"columns": {"A": "quote", "B": "quote"}})
    assert twice.status_code == 422 and "quote chosen twice" in twice.text


def test_the_cli_groups_the_errors(api: Api, cli: Any, tmp_path: Path) -> None:
    rows = [f"P{i},2026-10-01,Crash {i},Bugs,stated" for i in range(30)]
    path = tmp_path / "bugs.csv"
    path.write_bytes(csv_of(*rows, header="participant,interview_date,quote,problem,signal"))
    result = cli("import", "interviews", str(path), "--workspace", api.ws)
    assert result.exit_code != 0
    assert "30 rows (lines 2, 3, 4, 5, 6...): problem 'Bugs'" in result.output
    created = cli("import", "interviews", str(path), "--workspace", api.ws, "--create-problems")
    assert created.exit_code == 0, created.output
    assert "created 1 problems" in created.output

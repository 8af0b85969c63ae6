"""The evidence export is in the import's format: importing it into another workspace gives
the same evidence, people, interviews, segments and problems."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.dataio.test_csv_import import upload
from tests.factories import Api

# Columns that name rows of one workspace (ids, who logged it, when): not the data itself.
LOCAL = {"id", "problem_id", "interview_id", "logged_by", "logged_at"}


def exported(api: Api) -> tuple[bytes, list[dict[str, str]]]:
    response = api.get("export/evidence.csv")
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    data = sorted(({k: v for k, v in r.items() if k not in LOCAL} for r in rows), key=repr)
    return response.content, data


def rich_workspace(api: Api) -> dict[str, Any]:
    smb = api.segment(name="SMB", size=300)
    ada = api.participant(
        name="Ada", title="Controller", organisation="Initech", contact="ada@example.com",
        segment_id=smb["id"],
    )  # fmt: skip
    bob = api.participant(name="Bob", organisation="Globex")
    exports, bugs = api.problem(title="Exports break"), api.problem(title="Bugs")
    api.interview(
        participant_id=ada["id"],
        title="Close review",
        notes="We talked about the close.\n\nIt takes a week, every month.",
        problem_ids=[exports["id"]],
        highlights=[
            {"problem_id": exports["id"], "quote": "It takes a week", "signal": "stated",
             "severity": 4, "frequency": "monthly"},
            {"problem_id": bugs["id"], "quote": "We pay a contractor", "signal": "paid"},
        ],
    )  # fmt: skip
    api.interview(
        kind="survey",
        occurred_on="2026-10-03",
        participant_id=bob["id"],
        title="Survey answer",
        highlights=[{"problem_id": bugs["id"], "quote": "Never had it", "signal": "no_action"}],
    )
    return {"exports": exports, "bugs": bugs}


def test_an_export_reimports_to_the_same_data(client: TestClient, api: Api) -> None:
    rich_workspace(api)
    content, before = exported(api)
    other = Api.signed_up(client, email="olga@example.com", workspace="copy")

    report = other.ok(upload(other, content, create_problems="true"))

    assert (report["imported"], report["bad_rows"], report["problems_created"]) == (3, 0, 2)
    _, after = exported(other)
    assert after == before
    again = other.ok(upload(other, content, create_problems="true"))
    assert again["imported"] == 0 and again["already_imported"] == 3

"""CSV import of highlights: check everything first, import once, say clearly what is wrong."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Api

Cli = Callable[..., Any]
HEADER = (
    "participant,segment,interview_date,interview_kind,quote,problem,"
    "stance,signal,severity,frequency"
)


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(api: Api, data: bytes, *, preview: bool = False, **form: Any) -> Any:
    path = "import/interviews/preview" if preview else "import/interviews"
    return api.post(path, files={"file": ("highlights.csv", data, "text/csv")}, data=form)


@pytest.fixture
def month_end(api: Api) -> dict[str, Any]:
    return api.problem(title="Month-end close takes a week")


def good_file(problem_id: int) -> bytes:
    return csv_of(
        'Ada Lovelace,Enterprise,2026-10-01,interview,"We pay a contractor, every month.",'
        "Month-end close takes a week,supports,paid,,monthly",
        f"Ada Lovelace,Enterprise,2026-10-01,interview,It takes five days.,{problem_id},,stated,4,",
        "Bob Kahn,,2026-10-03,churn_interview,We left over it.,month-end close takes a week,,"
        "switched,,",
        "Carol Shaw,SMB,2026-10-04,survey,Never had that problem.,Month-end close takes a week,"
        "contradicts,not_experienced,,",
    )


def test_good_file_imports_everything(api: Api, month_end: dict[str, Any]) -> None:
    report = api.ok(upload(api, good_file(month_end["id"])))
    assert report["imported"] == 4
    assert report["bad_rows"] == 0
    assert (report["participants_created"], report["segments_created"]) == (3, 2)
    assert report["interviews_created"] == 3

    evidence = api.ok(api.get("evidence", params={"problem_id": month_end["id"]}))["items"]
    assert sorted(e["quote"] for e in evidence) == sorted(
        [
            "We pay a contractor, every month.",
            "It takes five days.",
            "We left over it.",
            "Never had that problem.",
        ]
    )
    ada = api.ok(api.get("participants", params={"q": "Ada"}))["items"][0]
    interviews = api.ok(api.get("interviews", params={"participant_id": ada["id"]}))["items"]
    assert len(interviews) == 1
    assert interviews[0]["problem_ids"] == [month_end["id"]]
    assert {e["signal"] for e in interviews[0]["evidence"]} == {"paid", "stated"}
    card = api.ok(api.get(f"problems/{month_end['id']}/scorecard"))
    assert card["counts"]["participants"] == 3
    assert api.ok(api.get("audit", params={"limit": 200}))["total"] >= 4


def test_rerun_of_the_same_file_adds_nothing(api: Api, month_end: dict[str, Any]) -> None:
    data = good_file(month_end["id"])
    api.ok(upload(api, data))
    again = api.ok(upload(api, data))
    assert (again["imported"], again["already_imported"]) == (0, 4)
    assert api.ok(api.get("evidence"))["total"] == 4
    assert api.ok(api.get("participants"))["total"] == 3
    assert api.ok(api.get("interviews"))["total"] == 3


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    api: Api, month_end: dict[str, Any]
) -> None:
    data = csv_of(
        "Ada,,2026-10-01,interview,We pay for it.,Month-end close takes a week,,paid,,",
        "Bob,,01/10/2026,interview,Quote.,Month-end close takes a week,,paid,,",
        "Cy,,2026-10-01,interview,Quote.,No such problem,,paid,,",
        "Di,,2026-10-01,interview,Quote.,Month-end close takes a week,supports,no_action,,",
        "Ed,,2026-10-01,chat,Quote.,Month-end close takes a week,,paid,,",
        "Fay,,2026-10-01,interview,Quote.,Month-end close takes a week,,stated,9,",
        ",,2026-10-01,interview,Quote.,Month-end close takes a week,,paid,,",
    )
    preview = api.ok(upload(api, data, preview=True))
    assert (preview["rows"], preview["good_rows"]) == (7, 1)
    errors = {e["line"]: e["message"] for e in preview["errors"]}
    assert "'01/10/2026' is not a date" in errors[3]
    assert "no problem with this title or id" in errors[4]
    assert "stance cannot be 'supports'" in errors[5]
    assert "interview kind 'chat' is not one of" in errors[6]
    assert "severity '9'" in errors[7]
    assert "participant is empty" in errors[8]
    assert preview["preview"][0]["problem_title"] == "Month-end close takes a week"

    refused = upload(api, data)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "bad_rows"
    assert len(refused.json()["error"]["details"]) == 6
    assert api.ok(api.get("evidence"))["total"] == 0

    report = api.ok(upload(api, data, good_rows="true"))
    assert (report["imported"], report["bad_rows"]) == (1, 6)


def test_a_row_dated_in_the_future_is_refused(api: Api, month_end: dict[str, Any]) -> None:
    # Two days ahead is in the future in every time zone, whatever the hour.
    future = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    data = csv_of(
        "Ada,,2026-10-01,interview,We pay for it.,Month-end close takes a week,,paid,,",
        f"Bob,,{future},interview,Quote.,Month-end close takes a week,,paid,,",
    )
    preview = api.ok(upload(api, data, preview=True))
    assert preview["good_rows"] == 1
    assert preview["errors"] == [
        {"line": 3, "message": f"interview date {future} is in the future"}
    ]
    assert upload(api, data).status_code == 422
    assert api.ok(api.get("interviews"))["total"] == 0


def test_wrong_encoding_and_missing_columns_get_a_clear_message(api: Api) -> None:
    latin1 = csv_of("Zoë,,2026-10-01,interview,Ça coûte cher.,X,,paid,,").decode()
    wrong = upload(api, latin1.encode("latin-1"))
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "wrong_encoding"
    assert "not UTF-8" in wrong.json()["error"]["message"]

    missing = upload(api, csv_of("Ada,We pay.", header="participant,quote"))
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "missing_columns"
    message = missing.json()["error"]["message"]
    assert "interview_date, problem, signal" in message


@pytest.mark.parametrize("preview", [False, True])
def test_a_file_with_a_nul_character_is_refused_in_words(
    api: Api, month_end: dict[str, Any], preview: bool
) -> None:
    """UTF-16 text decodes as UTF-8 with NULs in it, and no database keeps NUL in text."""
    utf16 = csv_of(f"Ada,,2026-10-01,interview,We pay.,{month_end['id']},,paid,,").decode()
    for data in (
        utf16.encode("utf-16-le"),
        csv_of(f"Ada\x00,,2026-10-01,interview,We pay.,{month_end['id']},,paid,,"),
    ):
        refused = upload(api, data, preview=preview)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "wrong_encoding"
        assert "NUL character" in refused.json()["error"]["message"]
    assert api.ok(api.get("evidence"))["total"] == 0


def test_viewers_cannot_import(api: Api, month_end: dict[str, Any]) -> None:
    viewer = api.as_member("vi@example.com", "viewer")
    assert upload(viewer, good_file(month_end["id"])).status_code == 403


def test_cli_import_with_progress_and_good_rows(
    cli: Cli, api: Api, month_end: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "highlights.csv"
    path.write_bytes(
        good_file(month_end["id"])
        + b"Zed,,2026-13-01,interview,Quote.,Month-end close takes a week,,paid,,\n"
    )
    refused = cli("import", "interviews", str(path), "--workspace", "acme")
    assert refused.exit_code == 1
    assert "line 6: interview date '2026-13-01'" in refused.output
    assert "--good-rows" in refused.output
    assert api.ok(api.get("evidence"))["total"] == 0

    result = cli("import", "interviews", str(path), "--workspace", "acme", "--good-rows")
    assert result.exit_code == 0, result.output
    assert "Imported 4 highlights (0 already imported, 1 bad rows skipped)" in result.stdout
    again = cli("import", "interviews", str(path), "--workspace", "acme", "--good-rows")
    assert "Imported 0 highlights (4 already imported" in again.stdout


def oversized_file() -> bytes:
    """10 good rows, one with a quote over 128 KiB (line 12), then 100 good rows."""

    def row(i: int, quote: str = "") -> str:
        return (
            f"P{i},,2026-10-01,interview,{quote or f'Quote {i}.'},Month-end close takes a week,"
            ",paid,,"
        )

    oversized = "x" * (128 * 1024 + 1)
    return csv_of(
        *(row(i) for i in range(10)), row(10, oversized), *(row(i) for i in range(11, 111))
    )


def test_an_oversized_field_is_that_rows_error_and_the_rest_is_imported(
    api: Api, month_end: dict[str, Any]
) -> None:
    data = oversized_file()

    preview = api.ok(upload(api, data, preview=True))
    assert (preview["rows"], preview["good_rows"]) == (111, 110)
    [error] = preview["errors"]
    assert error["line"] == 12  # the header is line 1
    assert "quote" in error["message"] and "131072 characters" in error["message"]

    report = api.ok(upload(api, data, good_rows="true"))
    assert (report["rows"], report["imported"], report["bad_rows"]) == (111, 110, 1)
    assert api.ok(api.get("evidence"))["total"] == 110

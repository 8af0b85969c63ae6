"""The import page: upload, preview with every bad row, import in the background with a
progress bar read from the database; and the export links."""

import re
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.app.test_accessibility import skipped_headings, unlabelled_fields
from tests.auth.test_pages import first_run
from tests.dataio.test_csv_import import csv_of, good_file, oversized_file
from tests.factories import Api
from tests.pages import HTML, Web, member_browser, soup


def upload(web: Web, data: bytes, name: str = "highlights.csv") -> Any:
    return web.post("import", files={"file": (name, data, "text/csv")})


def finished(web: Web, run_url: str) -> Any:
    """The progress block once the background import has ended."""
    for _ in range(200):
        block = soup(web.htmx(f"{run_url}/progress", target="import-progress"))
        if "every 1s" not in str(block):
            return block
        time.sleep(0.05)
    raise AssertionError("the import did not end")


def test_a_good_file_is_previewed_then_imported(api: Api, web: Web, engine: Engine) -> None:
    problem = api.problem(title="Month-end close takes a week")
    page = soup(web.get("import"))
    assert unlabelled_fields(page) == [] and skipped_headings(page) == []

    response = upload(web, good_file(problem["id"]))
    assert response.status_code == 303
    run_url = response.headers["location"]
    assert re.fullmatch(r"/w/acme/import/\d+", run_url)

    preview = soup(web.get(run_url))
    assert unlabelled_fields(preview) == [] and skipped_headings(preview) == []
    assert "4 good, 0 bad" in preview.get_text()
    rows = preview.select("#preview-rows tbody tr")
    assert [r.find_all("td")[1].get_text() for r in rows] == [
        "Ada Lovelace",
        "Ada Lovelace",
        "Bob Kahn",
        "Carol Shaw",
    ]
    assert preview.select("#bad-rows") == []
    assert preview.find("button", string="Import 4 rows") is not None
    assert api.ok(api.get("evidence"))["total"] == 0  # nothing written by the preview

    started = web.post(f"{run_url}/start")
    assert (started.status_code, started.headers["location"]) == (303, run_url)
    done = finished(web, run_url)
    assert "Done: 4 highlights imported" in done.get_text()
    assert done.find("progress")["value"] == "4"
    # the import created Enterprise and SMB without a size: the summary says what that does
    assert "2 segments have no size, so they weigh equally: set sizes" in done.get_text()
    assert api.ok(api.get("evidence"))["total"] == 4
    assert web.post(f"{run_url}/start").status_code == 409  # one start per file
    run_id = int(run_url.rsplit("/", 1)[1])
    with engine.connect() as conn:  # the uploaded text, which names people, is not kept
        kept = conn.execute(
            text("SELECT content FROM csv_import_run WHERE id = :id"), {"id": run_id}
        )
        assert kept.scalar_one() == ""

    # The same file again adds nothing.
    again = upload(web, good_file(problem["id"])).headers["location"]
    web.post(f"{again}/start")
    assert "0 highlights imported, 4 already there" in finished(web, again).get_text()
    assert api.ok(api.get("evidence"))["total"] == 4


def test_bad_rows_are_listed_and_only_the_good_ones_imported_on_request(api: Api, web: Web) -> None:
    api.problem(title="Exports break")
    data = csv_of(
        "Ada,,2026-10-01,interview,It breaks weekly.,Exports break,,stated,4,weekly",
        "Bob,,not a date,interview,Quote.,Exports break,,stated,,",
        "Cy,,2026-10-02,interview,Quote.,No such problem,,stated,,",
    )
    run_url = upload(web, data).headers["location"]
    preview = soup(web.get(run_url))
    bad = [[td.get_text() for td in tr.find_all("td")] for tr in preview.select("#bad-rows tr")[1:]]
    assert [line for line, _ in bad] == ["3", "4"]
    assert "date" in bad[0][1].lower() and "no such problem" in bad[1][1].lower()
    button = preview.find("button", string=re.compile("Import the 1 good rows"))
    assert button is not None

    refused = web.post(f"{run_url}/start")
    assert refused.status_code == 422
    assert "2 of 3 rows are not valid" in soup(refused).get_text()
    assert web.post(f"{run_url}/start", {"good_rows": "1"}).status_code == 303
    done = finished(web, run_url)
    assert "Done: 1 highlights imported" in done.get_text()
    assert "2 bad rows left out" in done.get_text()


def test_an_oversized_field_is_listed_by_line_and_the_rest_imported(api: Api, web: Web) -> None:
    api.problem(title="Month-end close takes a week")
    run_url = upload(web, oversized_file()).headers["location"]
    preview = soup(web.get(run_url))
    assert "110 good, 1 bad" in preview.get_text()
    bad = [[td.get_text() for td in tr.find_all("td")] for tr in preview.select("#bad-rows tr")[1:]]
    assert len(bad) == 1 and bad[0][0] == "12"
    assert "131072 characters" in bad[0][1]

    assert web.post(f"{run_url}/start", {"good_rows": "1"}).status_code == 303
    done = finished(web, run_url)
    assert "Done: 110 highlights imported" in done.get_text()
    assert api.ok(api.get("evidence"))["total"] == 110


def test_progress_is_read_from_the_database(api: Api, web: Web, engine: Engine) -> None:
    problem = api.problem(title="Month-end close takes a week")
    run_url = upload(web, good_file(problem["id"])).headers["location"]
    run_id = int(run_url.rsplit("/", 1)[1])
    with engine.begin() as conn:  # as another worker would leave it, half way
        conn.execute(
            text("UPDATE csv_import_run SET status = 'running', processed_rows = 2 WHERE id = :id"),
            {"id": run_id},
        )
    block = soup(web.htmx(f"{run_url}/progress", target="import-progress"))
    poller = block.find(id="import-progress")
    assert poller["hx-trigger"] == "every 1s"
    assert poller["hx-get"] == f"{run_url}/progress"
    assert (block.find("progress")["value"], block.find("progress")["max"]) == ("2", "4")
    assert block.find("h1") is None  # only the block
    page = soup(web.get(run_url))
    assert page.find(id="import-progress") is not None
    assert page.find("button", string=re.compile("Import")) is None


def test_unreadable_files_get_a_clear_message_next_to_the_field(web: Web) -> None:
    wrong_encoding = upload(web, "participant,quote\nJosé,Olá\n".encode("latin-1"))
    assert wrong_encoding.status_code == 422
    assert "not UTF-8" in soup(wrong_encoding).find(id="file-error").get_text()
    # Columns it cannot place: the preview asks which is which (see test_import_pages.py).
    missing = upload(web, b"name,quote\nAda,Hello\n")
    assert missing.status_code == 303
    message = soup(web.get(missing.headers["location"])).get_text()
    assert "no column for interview_date, problem, signal" in message
    utf16 = upload(web, "participant,quote\nAda,We pay.\n".encode("utf-16-le"))
    assert utf16.status_code == 422
    assert "NUL character" in soup(utf16).find(id="file-error").get_text()
    nothing = web.post("import", files={"file": ("", b"", "text/csv")})
    assert "Choose a CSV file" in soup(nothing).find(id="file-error").get_text()


def test_viewers_cannot_import_and_others_cannot_see_a_run(api: Api, web: Web) -> None:
    problem = api.problem(title="Month-end close takes a week")
    run_url = upload(web, good_file(problem["id"])).headers["location"]
    viewer = member_browser(api, "val@example.com", "viewer")
    page = soup(viewer.get("import"))
    assert page.find("input", attrs={"type": "file"}) is None
    assert "Contributors and admins can import" in page.get_text()
    assert upload(viewer, good_file(problem["id"])).status_code == 403
    assert viewer.post(f"{run_url}/start").status_code == 403
    assert soup(viewer.get(run_url)).find("button", string=re.compile("Import")) is None

    Api.signed_up(api.client, email="eve@example.com", workspace="rival")
    outsider = Web(TestClient(api.client.app), "rival")
    outsider.sign_in("eve@example.com")
    run_id = run_url.rsplit("/", 1)[1]
    assert outsider.get(f"/w/rival/import/{run_id}").status_code == 404


def test_export_links(api: Api, web: Web) -> None:
    page = soup(web.get("import"))
    links = {a["href"] for a in page.select("#export-heading ~ ul a")}
    assert links == {
        "/api/v1/workspaces/acme/export/problems.csv",
        "/api/v1/workspaces/acme/export/interviews.csv",
        "/api/v1/workspaces/acme/export/evidence.csv",
        "/api/v1/workspaces/acme/export",
        "/api/v1/workspaces/acme/export/project.qdpx",
        "/api/v1/workspaces/acme/export/codebook.qdc",
    }
    csv = web.get("/api/v1/workspaces/acme/export/problems.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


def test_the_first_run_page_offers_the_demo(client: TestClient) -> None:
    page = soup(client.get("/", headers=HTML))
    box = page.find("input", id="demo")
    assert box["type"] == "checkbox" and page.find("label", attrs={"for": "demo"}) is not None
    assert "Load the demo workspace" in page.find("label", attrs={"for": "demo"}).get_text()

    response = first_run(client, demo="1")
    assert (response.status_code, response.headers["location"]) == (303, "/w/demo")
    portfolio = soup(client.get("/w/demo", headers=HTML))
    assert len(portfolio.select("#problem-table tbody tr")) >= 8
    assert client.get("/w/acme", headers=HTML).status_code == 200  # their own one too


def test_the_first_run_without_the_demo_creates_only_the_team_workspace(
    client: TestClient,
) -> None:
    assert first_run(client).headers["location"] == "/w/acme"
    assert client.get("/w/demo", headers=HTML).status_code == 404

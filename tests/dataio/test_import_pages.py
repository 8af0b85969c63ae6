"""The import preview groups identical errors, offers to create missing problems, and asks
which column holds what when the headers are not the expected ones."""

from tests.dataio.test_csv_import import csv_of
from tests.dataio.test_pages import finished, upload
from tests.factories import Api
from tests.pages import Web, soup

HEADER = "participant,interview_date,quote,problem,signal"


def test_thousands_of_rows_naming_a_missing_problem_are_one_line_with_a_create_button(
    api: Api, web: Web
) -> None:
    rows = [f"P{i},2026-10-01,Crash {i},Bugs,stated" for i in range(2_000)]
    rows.append("Q,2026-10-01,Odd,Bugs,loud")
    run_url = upload(web, csv_of(*rows, header=HEADER)).headers["location"]
    page = soup(web.get(run_url))

    lines = page.select("#bad-rows tbody tr")
    assert len(lines) == 2
    first = [td.get_text(" ", strip=True) for td in lines[0].find_all("td")]
    assert first == ["2, 3, 4, 5, 6, …", "2,000 rows: problem “Bugs” does not exist."]
    create = page.find("form", action=f"{run_url}/create-problems")
    assert "2,000 rows name 1 problem" in create.get_text(" ", strip=True)

    assert web.post(f"{run_url}/create-problems", {"create": "1"}).status_code == 303
    again = soup(web.get(run_url))
    assert [li.get_text(strip=True) for li in again.select("#new-problems li")] == [
        "“Bugs”: 2,000 rows"
    ]
    assert "2001 rows: 2000 good, 1 bad" in again.get_text(" ", strip=True)
    assert web.post(f"{run_url}/start", {"good_rows": "1"}).status_code == 303
    assert "Done: 2000 highlights imported" in finished(web, run_url).get_text()
    (bugs,) = api.ok(api.get("problems"))["items"]
    assert bugs["title"] == "Bugs"
    assert api.ok(api.get("evidence", params={"problem_id": bugs["id"]}))["total"] == 2_000


def test_the_upload_can_ask_to_create_missing_problems(api: Api, web: Web) -> None:
    data = csv_of("Ada,2026-10-01,It breaks,Exports break,stated", header=HEADER)
    response = web.post(
        "import",
        {"create_problems": "1"},
        files={"file": ("highlights.csv", data, "text/csv")},
    )
    page = soup(web.get(response.headers["location"]))
    assert page.select("#bad-rows") == []
    assert [li.get_text(strip=True) for li in page.select("#new-problems li")] == [
        "“Exports break”: 1 row"
    ]


def test_unknown_headers_get_a_mapping_step_remembered_for_the_next_file(
    api: Api, web: Web
) -> None:
    api.problem(title="Bugs")
    data = csv_of("Ada,2026-10-01,It breaks,Bugs,stated", header="Who,When,Said,Problem,Signal")
    run_url = upload(web, data).headers["location"]
    page = soup(web.get(run_url))
    form = page.find("form", action=f"{run_url}/columns")
    labels = [label.get_text(strip=True) for label in form.find_all("label")]
    assert labels[:3] == ["Column “Who”", "Column “When”", "Column “Said”"]
    problem_choice = form.find(id="column_3").find("option", selected=True)
    assert problem_choice["value"] == "problem"

    chosen = {"column_0": "participant", "column_1": "interview_date", "column_2": "quote"}
    chosen |= {"column_3": "problem", "column_4": "signal"}
    assert web.post(f"{run_url}/columns", chosen).status_code == 303
    preview = soup(web.get(run_url)).get_text(" ", strip=True)
    assert "1 rows: 1 good, 0 bad" in preview

    second = upload(web, data).headers["location"]
    assert "1 rows: 1 good, 0 bad" in soup(web.get(second)).get_text(" ", strip=True)


def test_the_preview_shows_what_the_rows_say_about_people_interviews_and_segments(
    api: Api, web: Web
) -> None:
    api.problem(title="Bugs")
    notes = "We talked about the close, " + "and then about the audit " * 10 + "at the end."
    header = (
        "participant,participant_title,organisation,contact,segment,segment_size,"
        "interview_date,interview_title,interview_notes,quote,problem,signal"
    )
    data = csv_of(
        f'Ada,Controller,Initech,ada@example.com,Enterprise,"1,200",2026-10-01,'
        f'Close review,"{notes}",The close takes a week,Bugs,stated',
        "Bob,,,,,,2026-10-02,,,It is fine,Bugs,stated",
        header=header,
    )
    page = soup(web.get(upload(web, data).headers["location"]))
    table = page.find("table", id="preview-rows")
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    cells = [
        dict(zip(heads, (td.get_text(strip=True) for td in tr.find_all("td")), strict=True))
        for tr in table.select("tbody tr")
    ]
    ada, bob = cells
    assert ada["Participant"] == "Ada"
    assert ada["Title, organisation, contact"] == "Controller · Initech · ada@example.com"
    assert (ada["Segment"], ada["Segment size"]) == ("Enterprise", "1,200")
    assert ada["Interview title"] == "Close review"
    assert ada["Notes"].startswith("We talked about the close, and then")
    assert ada["Notes"].endswith("...") and len(ada["Notes"]) <= 80
    none = "\N{EN DASH}"
    assert [bob[h] for h in heads[2:9]] == [none] * 3 + ["2026-10-02", "interview", none, none]

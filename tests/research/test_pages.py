"""Logging an interview: highlights added inline, errors beside fields, nothing lost."""

from datetime import date

from tests.factories import Api
from tests.pages import Web, soup


def interview_form(problem_id: int, quotes: list[str], **overrides: object) -> dict:
    n = len(quotes)
    return {
        "kind": "interview",
        "occurred_on": "2026-10-01",
        "problem_ids": [str(problem_id)],
        "notes": "Call with finance lead",
        "h_quote": quotes,
        "h_problem": [str(problem_id)] * n,
        "h_signal": ["paid", "workaround", "stated", "searching", "switched"][:n],
        "h_severity": ["4"] * n,
        "h_frequency": ["weekly"] * n,
    } | overrides


def test_form_defaults_to_today_and_the_problem_it_came_from(api: Api, web: Web) -> None:
    problem = api.problem()
    page = soup(web.get(f"interviews/new?problem_id={problem['id']}"))
    assert page.find(id="occurred_on")["value"] == date.today().isoformat()
    assert page.find(id=f"covered-{problem['id']}").has_attr("checked")
    chosen = page.find(id="h-0-problem").find("option", selected=True)
    assert chosen["value"] == str(problem["id"])
    assert page.find(id="add-highlight").get("accesskey") == ["h"]


def test_add_highlight_returns_one_row_and_the_next_button(api: Api, web: Web) -> None:
    problem = api.problem()
    response = web.htmx(f"interviews/highlight-row?index=3&problem_id={problem['id']}")
    fragment = soup(response)
    assert "<html" not in response.text
    assert fragment.find(id="h-3-quote").has_attr("autofocus")
    button = fragment.find(id="add-highlight")
    assert button["hx-swap-oob"] == "true" and "index=4" in button["hx-get"]


def test_five_highlights_move_the_scorecard(api: Api, web: Web) -> None:
    problem = api.problem(title="Exports break")
    person = api.participant(name="Bea")
    before = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    quotes = [f"Quote {i}" for i in range(5)]
    response = web.post(
        "interviews",
        interview_form(problem["id"], quotes, participant_id=str(person["id"]))
        | {"return_to": f"/w/acme/problems/{problem['id']}"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/acme/problems/{problem['id']}"
    after = api.ok(api.get(f"problems/{problem['id']}/scorecard"))
    assert after["counts"]["evidence_items"] == before["counts"]["evidence_items"] + 5
    assert after["pain"]["value"] > before["pain"]["value"]
    page = soup(web.get(response.headers["location"]))
    assert len(page.find(id="evidence").find_all("blockquote")) == 5


def test_errors_sit_beside_their_fields_and_nothing_typed_is_lost(api: Api, web: Web) -> None:
    problem = api.problem()
    form = interview_form(problem["id"], ["First", "", "Third"], occurred_on="")
    form["h_severity"] = ["3", "", "9"]
    form["h_problem"] = [str(problem["id"]), "", ""]
    response = web.post("interviews", form)

    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="occurred_on-error").get_text() == "Give the date it happened."
    # the empty middle row is dropped; "Third" is now row 1, and its errors follow it
    assert page.find(id="h-1-severity-error") is not None
    assert page.find(id="h-1-problem-error") is not None
    assert page.find(id="h-0-quote").get_text() == "First"
    assert page.find(id="h-1-quote").get_text() == "Third"
    assert page.find(id="notes").get_text() == "Call with finance lead"
    assert api.ok(api.get("interviews"))["total"] == 0


def test_new_participant_inline_and_on_save(api: Api, web: Web) -> None:
    segment = api.segment(name="Agencies")
    inline = web.client.post(
        "/w/acme/participants/inline",
        data={"np_name": "Cleo", "np_organisation": "Globex", "np_segment": str(segment["id"])},
        headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
    )
    assert inline.status_code == 200
    picker = soup(inline)
    cleo = next(p for p in api.ok(api.get("participants"))["items"] if p["name"] == "Cleo")
    assert picker.find(id="participant_id")["value"] == str(cleo["id"])
    assert picker.find(id="participant_id-q")["value"] == "Cleo"

    problem = api.problem()
    response = web.post("interviews", interview_form(problem["id"], ["Hi"], np_name="Dan"))
    assert response.status_code == 303
    names = [p["name"] for p in api.ok(api.get("participants"))["items"]]
    assert sorted(names) == ["Cleo", "Dan"]
    interview = api.ok(api.get("interviews"))["items"][0]
    assert interview["participant_id"] is not None


def test_interview_list_paginates_and_delete_has_undo(api: Api, web: Web) -> None:
    for day in range(1, 28):
        api.interview(occurred_on=f"2026-09-{day:02d}")
    page = soup(web.get("interviews"))
    assert len(page.select("tbody tr")) == 25
    assert "1\u201325 of 27" in page.find(class_="pager").get_text()
    newest = api.ok(api.get("interviews"))["items"][0]
    response = web.post(f"interviews/{newest['id']}/delete")
    assert "deleted=" in response.headers["location"]
    notice = soup(web.get(response.headers["location"])).find(class_="notice")
    assert "Undo" in notice.get_text()
    assert web.post(f"interviews/{newest['id']}/restore").status_code == 303
    assert api.ok(api.get("interviews"))["total"] == 27


def test_a_new_highlight_row_takes_the_previous_rows_problem_or_the_one_covered(
    api: Api, web: Web
) -> None:
    first, second = api.problem(title="First"), api.problem(title="Second")
    previous = web.htmx(
        f"interviews/highlight-row?index=2&h_problem={first['id']}&h_problem={second['id']}"
        f"&problem_ids={first['id']}"
    )
    chosen = soup(previous).find(id="h-2-problem").find("option", selected=True)
    assert chosen["value"] == str(second["id"])
    covered = web.htmx(f"interviews/highlight-row?index=1&h_problem=&problem_ids={first['id']}")
    chosen = soup(covered).find(id="h-1-problem").find("option", selected=True)
    assert chosen["value"] == str(first["id"])

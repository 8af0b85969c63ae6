"""The People pages: directory, profile, the type-ahead picker and merging two people."""

from typing import Any

from tests.factories import Api
from tests.pages import Web, member_browser, soup


def listed(response: Any) -> list[str]:
    table = soup(response).find("table", class_="people")
    return [a.get_text() for a in table.select("tbody td:first-child a")] if table else []


def test_directory_filters_sorts_and_pages(api: Api, web: Web) -> None:
    smb = api.segment(name="SMB")
    ada = api.participant(name="Ada Park", organisation="Globex", segment_id=smb["id"])
    bea = api.participant(name="Bea Ortiz", organisation="Initech")
    api.interview(participant_id=ada["id"], occurred_on="2026-09-01")
    api.interview(participant_id=bea["id"], occurred_on="2026-10-05")

    page = web.get("participants")
    assert page.status_code == 200
    assert listed(page) == ["Ada Park", "Bea Ortiz"]
    assert soup(page).find("a", attrs={"aria-current": "page"}).get_text() == "People"
    assert listed(web.get("participants?sort=last_seen")) == ["Bea Ortiz", "Ada Park"]
    assert listed(web.get("participants?q=park")) == ["Ada Park"]
    assert listed(web.get(f"participants?segment_id={smb['id']}")) == ["Ada Park"]
    assert listed(web.get("participants?organisation=initech")) == ["Bea Ortiz"]
    # Nonsense in the query string is ignored, never a 500.
    assert web.get("participants?sort=zzz&segment_id=x&offset=-1").status_code == 200
    none = soup(web.get("participants?q=nobody"))
    assert "No one matches" in none.find(class_="empty").get_text()


def test_directory_pages_through_many_people(api: Api, web: Web) -> None:
    for n in range(27):
        api.participant(name=f"Person {n:02d}")
    first = soup(web.get("participants"))
    assert len(first.select("table.people tbody tr")) == 25
    assert "of 27" in first.find("nav", class_="pager").get_text()
    assert listed(web.get("participants?offset=25")) == ["Person 25", "Person 26"]


def test_directory_empty_state_and_duplicates_section(api: Api, web: Web) -> None:
    empty = soup(web.get("participants"))
    assert "No participants yet" in empty.find(class_="empty").get_text()
    keep = api.participant(name="Interviewee 04")
    other = api.participant(name="interviewee 04")
    api.participant(name="Interviewee 05")
    page = soup(web.get("participants"))
    # Told at the top, not only below a page of names.
    assert page.find("a", href="#duplicates").get_text() == "1 possible duplicate"
    section = page.find("section", id="duplicates")
    links = [a["href"] for a in section.find_all("a")]
    assert f"/w/acme/participants/{keep['id']}/merge?absorb_id={other['id']}" in links
    assert section.get_text().count("Review the merge") == 1


def test_profile_shows_interviews_evidence_by_problem_and_actions(api: Api, web: Web) -> None:
    segment = api.segment(name="Agencies")
    person = api.participant(name="Cleo", organisation="Globex", segment_id=segment["id"])
    problem = api.problem(title="Exports break")
    call = api.interview(
        participant_id=person["id"],
        problem_ids=[problem["id"]],
        highlights=[{"problem_id": problem["id"], "quote": "We rebuild it", "signal": "paid"}],
    )
    page = soup(web.get(f"participants/{person['id']}"))
    assert page.find("h1").get_text().strip() == "Cleo"
    assert "Agencies" in page.find("dl", class_="facts").get_text()
    assert page.find("a", href=f"/w/acme/interviews/{call['id']}") is not None
    heading = page.find("h3")
    assert heading.find("a")["href"] == f"/w/acme/problems/{problem['id']}"
    assert "We rebuild it" in page.find("ul", class_="quotes").get_text()
    export = f"/api/v1/workspaces/acme/participants/{person['id']}/personal-data"
    assert page.find("a", href=export) is not None
    assert web.client.get(export).json()["participant"]["name"] == "Cleo"
    # The interview page links to the profile now.
    interview = soup(web.get(f"interviews/{call['id']}"))
    assert interview.find("a", href=f"/w/acme/participants/{person['id']}") is not None


def test_profile_edit_and_erase(api: Api, web: Web) -> None:
    person = api.participant(name="Cleo", contact="cleo@example.com")
    form = soup(web.get(f"participants/{person['id']}/edit"))
    version = form.find("input", attrs={"name": "version"})["value"]
    saved = web.post(
        f"participants/{person['id']}/edit",
        {"version": version, "name": "Cleo M.", "organisation": "Globex", "title": "CFO"},
    )
    assert saved.status_code == 303
    assert api.ok(api.get(f"participants/{person['id']}"))["title"] == "CFO"
    blank = web.post(f"participants/{person['id']}/edit", {"version": "2", "name": ""})
    assert blank.status_code == 422
    assert soup(blank).find(id="name")["aria-invalid"] == "true"

    erased = web.post(f"participants/{person['id']}/erase")
    assert erased.status_code == 303
    assert api.ok(api.get(f"participants/{person['id']}"))["contact"] == ""


def test_a_viewer_sees_the_profile_without_its_actions(api: Api) -> None:
    person = api.participant(name="Cleo", contact="cleo@example.com")
    viewer = member_browser(api, "vic@example.com", "viewer")
    page = viewer.get(f"participants/{person['id']}")
    assert page.status_code == 200
    assert "cleo@example.com" not in page.text
    assert soup(page).find("form", action=f"/w/acme/participants/{person['id']}/erase") is None
    assert viewer.post(f"participants/{person['id']}/erase").status_code == 403


def test_picker_offers_matches_as_you_type(api: Api, web: Web) -> None:
    for name in ("Zoe Park", "Ada Parker", "Bea Ortiz"):
        api.participant(name=name, organisation="Umbrella" if name == "Bea Ortiz" else "")
    many = [api.participant(name=f"Park {n}", organisation="") for n in range(15)]
    fragment = web.htmx("participant-options?listbox=participant_id-options&q=park")
    options = soup(fragment).find_all("li", attrs={"role": "option"})
    assert len(options) == 12  # bounded: never every participant
    assert options[0]["id"].startswith("participant_id-options-")
    assert options[0]["data-label"] == "Park 0"  # names starting with it first
    by_org = soup(web.htmx("participant-options?field=participant_id_q&participant_id_q=umbrella"))
    assert [li["data-label"] for li in by_org.find_all("li")] == ["Bea Ortiz"]
    none = soup(web.htmx("participant-options?q=qqq")).find("li")
    assert none["aria-disabled"] == "true" and "qqq" in none.get_text()
    assert many


def test_interview_form_has_the_picker_not_a_giant_select(api: Api, web: Web) -> None:
    for n in range(30):
        api.participant(name=f"Person {n}")
    page = soup(web.get("interviews/new"))
    box = page.find(id="participant_id-q")
    assert box["role"] == "combobox" and box["aria-controls"] == "participant_id-options"
    assert page.find("select", id="participant_id") is None
    assert "Person 7" not in str(page)


def test_merge_preview_confirm_and_undo(api: Api, web: Web) -> None:
    keep = api.participant(name="Interviewee 04")
    absorb = api.participant(name="interviewee 04")
    call = api.interview(participant_id=absorb["id"])
    preview = web.get(f"participants/{keep['id']}/merge?absorb_id={absorb['id']}")
    assert preview.status_code == 200
    moves = {
        tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text()
        for tr in soup(preview).select("table.merge-moves tbody tr")
    }
    assert moves == {"Interviews": "1", "Evidence items": "0"}
    assert api.ok(api.get(f"interviews/{call['id']}"))["participant_id"] == absorb["id"]

    done = web.post(f"participants/{keep['id']}/merge", {"absorb_id": str(absorb["id"])})
    assert done.status_code == 303
    assert api.ok(api.get(f"interviews/{call['id']}"))["participant_id"] == keep["id"]
    profile = soup(web.get(done.headers["location"]))
    undo = profile.find("form", action=lambda a: bool(a and a.endswith("/undo")))
    assert undo is not None
    back = web.post(undo["action"])
    assert back.headers["location"] == f"/w/acme/participants/{absorb['id']}?done=restored"
    assert api.ok(api.get(f"interviews/{call['id']}"))["participant_id"] == absorb["id"]


def test_merge_without_a_choice_says_what_to_do(api: Api, web: Web) -> None:
    keep = api.participant(name="Cleo")
    page = web.get(f"participants/{keep['id']}/merge?absorb_id=")
    assert page.status_code == 422
    assert "Choose the participant" in page.text


def test_the_pickers_work_without_scripts(api: Api, web: Web) -> None:
    """Without scripts the picker's id stays as the page sent it: the name typed decides."""
    ana, ben = api.participant(name="Ana Lopez"), api.participant(name="Ben Kahn")
    api.participant(name="Anabel Ruiz")
    problem = api.problem()
    form = {
        "kind": "interview",
        "occurred_on": "2026-10-01",
        "problem_ids": [str(problem["id"])],
        "notes": "Call about the close",
    }
    created = web.post("interviews", form | {"participant_id": "", "participant_id_q": "ben"})
    assert created.status_code == 303
    (interview,) = api.ok(api.get("interviews"))["items"]
    assert interview["participant_id"] == ben["id"]

    # Several people match: the form comes back with the name typed and what to type.
    refused = web.post("interviews", form | {"participant_id": "", "participant_id_q": "ana"})
    assert refused.status_code == 422
    box = soup(refused).find(id="participant_id-q")
    assert box["value"] == "ana" and box["aria-invalid"] == "true"
    assert "2 participants match “ana” (Ana Lopez, Anabel Ruiz)" in refused.text
    assert api.ok(api.get("interviews"))["total"] == 1

    # Editing: the box names someone else, then no one.
    edit = f"interviews/{interview['id']}/edit"
    page = soup(web.get(edit))
    assert page.find(id="participant_id-q")["value"] == "Ben Kahn"
    values = form | {"version": "1", "participant_id": str(ben["id"])}
    saved = web.post(edit, values | {"participant_id_q": "Ana Lopez"})
    assert saved.status_code == 303
    assert api.ok(api.get(f"interviews/{interview['id']}"))["participant_id"] == ana["id"]
    values = values | {"version": "2", "participant_id": str(ana["id"])}
    assert web.post(edit, values | {"participant_id_q": ""}).status_code == 303
    assert api.ok(api.get(f"interviews/{interview['id']}"))["participant_id"] is None

    # Merging: the name of the one to merge, typed.
    api.participant(name="ben kahn 2")
    preview = web.get(f"participants/{ben['id']}/merge?absorb_id=&absorb_id_q=ben+kahn+2")
    assert preview.status_code == 200 and "ben kahn 2" in preview.text
    nobody = web.get(f"participants/{ben['id']}/merge?absorb_id=&absorb_id_q=zed")
    assert nobody.status_code == 422 and "No participant matches “zed”" in nobody.text

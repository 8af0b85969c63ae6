"""The evidence list: filters, ticking items or every match, one change, and its undo."""

from typing import Any

from app.enums import Role
from app.research.models import Participant
from tests.factories import Api, writing
from tests.pages import Web, member_browser, soup


def world(api: Api) -> dict[str, Any]:
    bugs, exports = api.problem(title="Bugs"), api.problem(title="Exports break")
    crash = [
        api.evidence(bugs["id"], quote=f"The app crashed {i}", signal="stated") for i in range(3)
    ]
    other = api.evidence(bugs["id"], quote="Nice colours", signal="mentioned")
    return {"bugs": bugs, "exports": exports, "crash": crash, "other": other}


def test_the_list_filters_and_counts_what_matches(api: Api, web: Web) -> None:
    w = world(api)
    page = soup(web.get(f"evidence?problem_id={w['bugs']['id']}&q=crashed"))
    quotes = [td.get_text(strip=True) for td in page.select("td.quote")]
    assert sorted(quotes) == [f"The app crashed {i}" for i in range(3)]
    assert "3 items match this filter" in page.get_text(" ", strip=True)
    assert page.find(id="problem_id").find("option", selected=True).get_text() == "Bugs"
    assert page.select_one("nav [aria-current=page]").get_text() == "Evidence"


def test_all_matching_items_move_then_undo_moves_them_back(api: Api, web: Web) -> None:
    w = world(api)
    listed = soup(web.get(f"evidence?problem_id={w['bugs']['id']}&q=crashed"))
    seen_at = listed.find("input", attrs={"name": "seen_at"})["value"]
    form = {
        "scope": "all",
        "f_problem_id": str(w["bugs"]["id"]),
        "f_q": "crashed",
        "seen_at": seen_at,
        "to_problem": str(w["exports"]["id"]),
        "do": "change",
    }
    moved = web.post("evidence/bulk", form)
    assert moved.status_code == 303
    page = soup(web.get(moved.headers["location"]))
    notice = page.select_one(".notice").get_text(" ", strip=True)
    assert "Moved 3 evidence items to “Exports break”" in notice
    assert api.ok(api.get("evidence", params={"problem_id": w["exports"]["id"]}))["total"] == 3
    assert api.ok(api.get("evidence", params={"problem_id": w["bugs"]["id"]}))["total"] == 1

    undo = page.select_one(".notice form")
    data = {i["name"]: i["value"] for i in undo.find_all("input")}
    back = web.post(undo["action"], data)
    assert back.status_code == 303
    after = soup(web.get(back.headers["location"])).get_text(" ", strip=True)
    assert "Undone: 3 items put back as they were" in after
    assert api.ok(api.get("evidence", params={"problem_id": w["bugs"]["id"]}))["total"] == 4


def test_ticked_items_are_retagged_or_deleted(api: Api, web: Web) -> None:
    w = world(api)
    first, second = w["crash"][0]["id"], w["crash"][1]["id"]
    web.client.post(
        web.url("evidence/bulk"),
        data={
            "csrf_token": web.csrf,
            "ids": [str(first), str(second)],
            "to_signal": "workaround",
            "to_severity": "5",
            "do": "change",
        },
        follow_redirects=False,
    )
    assert api.ok(api.get(f"evidence/{first}"))["signal"] == "workaround"
    assert api.ok(api.get(f"evidence/{second}"))["severity"] == 5
    assert api.ok(api.get(f"evidence/{w['crash'][2]['id']}"))["signal"] == "stated"
    gone = web.post("evidence/bulk", {"ids": str(first), "do": "delete"})
    assert gone.status_code == 303
    assert "Deleted 1 evidence item" in soup(web.get(gone.headers["location"])).get_text(" ")
    assert api.get(f"evidence/{first}").json()["deleted_at"] is not None


def test_nothing_ticked_or_no_change_keeps_the_page_with_a_plain_error(api: Api, web: Web) -> None:
    world(api)
    nothing = web.post("evidence/bulk", {"to_severity": "3", "do": "change"})
    assert nothing.status_code == 422
    assert "Tick the items to change" in soup(nothing).select_one(".form-error").get_text()
    no_change = web.post("evidence/bulk", {"scope": "all", "do": "change"})
    assert no_change.status_code == 422
    assert "choose a change" in soup(no_change).select_one(".form-error").get_text()


def test_viewers_see_the_list_without_the_bulk_form(api: Api) -> None:
    world(api)
    viewer = member_browser(api, "vera@example.com", "viewer")
    page = soup(viewer.get("evidence"))
    assert len(page.select("td.quote")) == 4
    assert page.find(id="bulk") is None
    assert viewer.post("evidence/bulk", {"scope": "all", "do": "delete"}).status_code == 403


def test_an_unreadable_filter_is_a_plain_error(api: Api, web: Web) -> None:
    response = web.get("evidence?severity=9")
    assert response.status_code == 422
    assert "severity" in response.text


def test_an_item_edited_after_the_list_was_loaded_is_left_alone_and_said(
    api: Api, web: Web
) -> None:
    w = world(api)
    listed = soup(web.get(f"evidence?problem_id={w['bugs']['id']}"))
    seen_at = listed.find("input", attrs={"name": "seen_at"})["value"]
    edited = w["crash"][0]
    api.ok(api.patch(f"evidence/{edited['id']}", json={"version": 1, "severity": 2}))

    form = {"scope": "all", "f_problem_id": str(w["bugs"]["id"]), "seen_at": seen_at}
    done = web.post("evidence/bulk", form | {"to_severity": "5", "do": "change"})

    notice = soup(web.get(done.headers["location"])).select_one(".notice").get_text(" ")
    assert "Changed 3 evidence items" in " ".join(notice.split())
    assert "1 item changed by someone else since you loaded the list was left as it was" in (
        " ".join(notice.split())
    )
    assert api.ok(api.get(f"evidence/{edited['id']}"))["severity"] == 2


def test_the_participant_filter_is_a_picker_not_a_list_of_everyone(api: Api, web: Web) -> None:
    with writing(api.client) as session:
        ctx = api.context(session, Role.contributor)
        session.add_all(
            Participant(workspace_id=ctx.id, created_by=ctx.user_id, name=f"Person {n:04d}")
            for n in range(1_200)
        )
        session.commit()
    bugs = api.problem(title="Bugs")
    ana, ben = api.participant(name="Ana Lopez"), api.participant(name="Ben Kahn")
    api.evidence(bugs["id"], quote="Ana says it crashed", participant_id=ana["id"])
    api.evidence(bugs["id"], quote="Ben says it crashed", participant_id=ben["id"])

    response = web.get("evidence")
    page = soup(response)
    assert len(page.find_all("option")) < 100  # not one per participant (1,200)
    assert "Person 0007" not in response.text and len(response.content) < 60_000
    box = page.find(id="participant_id-q")
    assert box["role"] == "combobox" and box["aria-controls"] == "participant_id-options"
    assert page.find("select", id="participant_id") is None

    # The picker sends the id of the participant picked: the list keeps their evidence.
    picked = soup(web.get(f"evidence?participant_id={ana['id']}&participant_id_q=Ana+Lopez"))
    assert [td.get_text(strip=True) for td in picked.select("td.quote")] == ["Ana says it crashed"]
    assert picked.find(id="participant_id")["value"] == str(ana["id"])
    assert picked.find(id="participant_id-q")["value"] == "Ana Lopez"
    # Pages and bulk edits keep the filter.
    assert picked.find("input", attrs={"name": "f_participant_id"})["value"] == str(ana["id"])


def test_the_participant_filter_works_without_scripts(api: Api, web: Web) -> None:
    bugs = api.problem(title="Bugs")
    ana, ben = api.participant(name="Ana Lopez"), api.participant(name="Ben Kahn")
    api.participant(name="Anabel Ruiz")
    api.evidence(bugs["id"], quote="Ana says it crashed", participant_id=ana["id"])
    api.evidence(bugs["id"], quote="Ben says it crashed", participant_id=ben["id"])

    def quotes(query: str) -> list[str]:
        return [td.get_text(strip=True) for td in soup(web.get(query)).select("td.quote")]

    # Without scripts nobody fills the id: the name typed decides.
    assert quotes("evidence?participant_id=&participant_id_q=ben") == ["Ben says it crashed"]
    assert quotes("evidence?participant_id=&participant_id_q=ana+lopez") == ["Ana says it crashed"]
    # A name typed over the one picked before wins; an empty box is anyone.
    assert quotes(f"evidence?participant_id={ana['id']}&participant_id_q=Ben+Kahn") == [
        "Ben says it crashed"
    ]
    assert len(quotes(f"evidence?participant_id={ana['id']}&participant_id_q=")) == 2
    # Several matches, or none: the page says what to type and keeps what was typed.
    several = web.get("evidence?participant_id=&participant_id_q=ana")
    assert several.status_code == 422
    said = soup(several).find(id="participant_id-q")
    assert said["value"] == "ana" and said["aria-invalid"] == "true"
    assert "2 participants match “ana” (Ana Lopez, Anabel Ruiz)" in several.text
    nobody = web.get("evidence?participant_id_q=zed")
    assert nobody.status_code == 422 and "No participant matches “zed”" in nobody.text

"""Test cards read as sentences, show their outcome by colour and symbol, and can be edited
while planned; their criterion is said to be fixed only once they start."""

from tests.factories import Api
from tests.pages import Web, soup


def card(web: Web, test_id: int) -> str:
    return soup(web.get("tests")).find(id=f"test-{test_id}").get_text(" ", strip=True)


def plan(api: Api, web: Web, **fields: str) -> int:
    problem = api.problem()
    assumption = api.assumption(problem["id"], statement="Pilots convert")
    body = {"assumption_id": assumption["id"], "method": "pilot"} | fields
    assert web.post("tests", body).status_code == 303
    return int(api.ok(api.get("tests"))["items"][0]["id"])


def test_a_share_reads_as_words_and_a_planned_card_is_not_fixed_yet(api: Api, web: Web) -> None:
    test_id = plan(api, web, metric="the 20 pilot users", operator=">=", threshold="0.7")
    text = card(web, test_id)
    assert "Success when at least 70 % of the 20 pilot users" in text
    assert "fixed" not in text.replace("then its criterion is fixed", "")
    test = api.ok(api.get(f"tests/{test_id}"))
    assert web.post(f"tests/{test_id}/start", {"version": test["version"]}).status_code == 303
    assert "(criterion fixed on " in card(web, test_id)


def test_a_planned_card_can_be_edited_and_a_started_one_cannot(api: Api, web: Web) -> None:
    test_id = plan(api, web, metric="signed letters", operator=">=", threshold="3")
    form = soup(web.get(f"tests/{test_id}/edit"))
    assert form.find(id="metric")["value"] == "signed letters"
    version = form.find("input", attrs={"name": "version"})["value"]
    saved = web.post(
        f"tests/{test_id}",
        {
            "version": version,
            "method": "pilot",
            "metric": "signed letters",
            "operator": ">=",
            "threshold": "5",
        },
    )
    assert saved.status_code == 303
    assert "Success when signed letters: at least 5" in card(web, test_id)
    test = api.ok(api.get(f"tests/{test_id}"))
    web.post(f"tests/{test_id}/start", {"version": test["version"]})
    refused = web.get(f"tests/{test_id}/edit")
    assert refused.status_code == 409
    assert "its success criterion is fixed" in refused.text


def test_outcomes_carry_a_colour_and_a_symbol(api: Api, web: Web) -> None:
    test_id = plan(api, web, metric="signed letters", operator=">=", threshold="3", start_now="on")
    test = api.ok(api.get(f"tests/{test_id}"))
    concluded = web.post(
        f"tests/{test_id}/conclude",
        {
            "version": test["version"],
            "result": "observed",
            "observed_value": "1",
            "learning": "No.",
        },
    )
    assert concluded.status_code == 303, concluded.text[-500:]
    outcome = soup(web.get("tests")).find(id=f"test-{test_id}").find(class_="outcome")
    assert "outcome-invalidated" in outcome["class"]
    assert outcome.get_text(" ", strip=True) == "✗ invalidated"


def test_a_stale_edit_of_a_card_shows_both_versions_in_words_and_can_be_saved(
    api: Api, web: Web
) -> None:
    test_id = plan(api, web, metric="the 20 pilot users", operator=">=", threshold="0.7")
    form = soup(web.get(f"tests/{test_id}/edit"))
    version = form.find("input", attrs={"name": "version"})["value"]
    theirs = {"version": int(version), "method": "usability_test", "threshold": 0.8}
    api.ok(api.patch(f"tests/{test_id}", json=theirs))
    mine = {
        "version": version,
        "method": "letter_of_intent",
        "metric": "the 20 pilot users",
        "operator": ">=",
        "threshold": "0.6",
    }

    stale = web.post(f"tests/{test_id}", mine)

    assert stale.status_code == 409
    page = soup(stale)
    assert "Someone else changed this test card" in page.find(class_="form-error").get_text()
    rows = {
        row.th.get_text(): [td.get_text() for td in row.find_all("td")]
        for row in page.find("aside", class_="stale-compare").tbody("tr")
    }
    assert rows == {
        "Method": ["letter of intent", "usability test"],
        "Success when": [
            "at least 60 % of the 20 pilot users",
            "at least 80 % of the 20 pilot users",
        ],
    }
    # What was typed stays in the form, now against the saved version.
    assert page.find(id="threshold")["value"] == "0.6"
    assert page.find(id="method").find("option", selected=True)["value"] == "letter_of_intent"
    # The card's assumption still shows, though its disabled select sent nothing.
    assumption = form.find(id="assumption_id").find("option", selected=True)
    assert page.find(id="assumption_id").find("option", selected=True) == assumption
    assert page.find("input", attrs={"name": "version"})["value"] == str(int(version) + 1)
    assert page.find("button", string="Save my version") is not None
    assert page.find("a", string="Take theirs")["href"] == f"/w/acme/tests/{test_id}/edit"

    again = web.post(f"tests/{test_id}", mine | {"version": str(int(version) + 1)})
    assert again.status_code == 303
    assert "Success when at least 60 % of the 20 pilot users" in card(web, test_id)

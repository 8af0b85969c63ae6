"""Once a test runs, what it tests holds still, and a blank observed value is never a result by
accident: a test concludes without one only when the team says it is inconclusive, and why."""

from typing import Any

import pytest
from httpx import Response

from tests.factories import Api
from tests.helpers import assert_error, fields_of
from tests.pages import Web, soup

SURFACES = ["api", "page"]


@pytest.fixture
def web(api: Api) -> Web:
    browser = Web(api.client, api.ws)
    browser.sign_in("ada@example.com")
    return browser


def _running(api: Api, **overrides: Any) -> dict[str, Any]:
    assumption = api.assumption(api.problem()["id"], statement="Finance will pay", critical=True)
    return api.test_card(assumption["id"], status="running", **overrides)


def _conclude(
    surface: str,
    api: Api,
    web: Web,
    test: dict[str, Any],
    *,
    observed: str = "",
    reason: str | None = None,
    learning: str = "We learned something.",
) -> Response:
    """Conclude through the API or the board's form; `reason` not None chooses inconclusive."""
    if surface == "api":
        body: dict[str, Any] = {"version": test["version"], "status": "concluded"}
        body |= {"learning": learning, "observed_value": float(observed) if observed else None}
        if reason is not None:
            body["inconclusive_reason"] = reason
        return api.patch(f"tests/{test['id']}", json=body)
    form = {"version": test["version"], "observed_value": observed, "learning": learning}
    form |= {"result": "observed"} if reason is None else {"result": "inconclusive"}
    form |= {"inconclusive_reason": reason or ""}
    return web.post(f"tests/{test['id']}/conclude", form)


def _refused(surface: str, response: Response, test: dict[str, Any], field: str) -> str:
    """The refusal names the field at fault; returns the words a person reads."""
    if surface == "api":
        error = assert_error(response, 422, "invalid_input")
        assert fields_of(error) == [field]
        return str(error["message"])
    assert response.status_code == 422, response.text
    page = soup(response)
    ids = {"observed_value": "observed", "inconclusive_reason": "reason"}
    message = page.find(id=f"{ids[field]}-{test['id']}-error")
    assert message is not None, response.text
    # The form opens again, says what to fix, and marks the field for assistive technology.
    form = page.find("form", action=f"/w/acme/tests/{test['id']}/conclude")
    assert form.find_parent("details").has_attr("open")
    assert form.find(id=f"{ids[field]}-{test['id']}")["aria-invalid"] == "true"
    assert form.find(attrs={"role": "alert"}) is not None
    return str(message.get_text())


# ---- a tested assumption holds --------------------------------------------------------------


@pytest.mark.parametrize("state", ["running", "concluded"])
@pytest.mark.parametrize(
    "change",
    [
        {"statement": "Finance will pay if we discount it"},
        {"category": "desirability"},
        {"critical": False},
    ],
)
def test_a_tested_assumption_keeps_what_it_states(
    api: Api, state: str, change: dict[str, Any]
) -> None:
    test = _running(api)
    if state == "concluded":
        body = {"version": test["version"], "status": "concluded", "observed_value": 1}
        api.ok(api.patch(f"tests/{test['id']}", json=body | {"learning": "It held."}))
    assumption = api.ok(api.get(f"assumptions/{test['assumption_id']}"))
    response = api.patch(
        f"assumptions/{assumption['id']}", json={"version": assumption["version"]} | change
    )
    error = assert_error(response, 409, "assumption_fixed")
    assert "running or concluded test" in error["message"]
    assert "add a new one" in error["message"]
    assert error["details"]["fields"] == list(change)
    assert api.ok(api.get(f"assumptions/{assumption['id']}")) == assumption


def test_the_same_statement_again_is_not_a_change(api: Api) -> None:
    test = _running(api)
    assumption = api.ok(api.get(f"assumptions/{test['assumption_id']}"))
    same = {"statement": assumption["statement"], "category": assumption["category"]}
    response = api.patch(
        f"assumptions/{assumption['id']}", json={"version": assumption["version"]} | same
    )
    assert api.ok(response)["statement"] == "Finance will pay"


def test_an_assumption_with_only_planned_tests_can_be_reworded(api: Api) -> None:
    assumption = api.assumption(api.problem()["id"], statement="Finance will pay")
    api.test_card(assumption["id"])
    response = api.patch(
        f"assumptions/{assumption['id']}",
        json={"version": assumption["version"], "statement": "Finance will pay yearly"},
    )
    assert api.ok(response)["statement"] == "Finance will pay yearly"


# ---- concluding without an observed value ---------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES)
def test_a_blank_observed_value_does_not_conclude_a_test(api: Api, web: Web, surface: str) -> None:
    test = _running(api)
    response = _conclude(surface, api, web, test)
    message = _refused(surface, response, test, "observed_value")
    assert "inconclusive" in message.lower() and "why" in message
    unchanged = api.ok(api.get(f"tests/{test['id']}"))
    assert (unchanged["status"], unchanged["outcome"], unchanged["version"]) == (
        "running",
        None,
        test["version"],
    )


@pytest.mark.parametrize("surface", SURFACES)
def test_inconclusive_with_a_reason_concludes_and_keeps_the_reason(
    api: Api, web: Web, surface: str
) -> None:
    test = _running(api)
    reason = "The pilot customer froze all spending for the quarter."
    response = _conclude(surface, api, web, test, reason=reason, learning="Ask again in March.")
    assert response.status_code == (200 if surface == "api" else 303), response.text
    concluded = api.ok(api.get(f"tests/{test['id']}"))
    assert concluded["status"] == "concluded" and concluded["outcome"] == "inconclusive"
    assert concluded["observed_value"] is None
    assert concluded["inconclusive_reason"] == reason
    assert concluded["learning"] == "Ask again in March."
    card = " ".join(soup(web.get("tests")).find(id=f"test-{test['id']}").get_text().split())
    assert "No observed value: ? inconclusive, because " + reason in card
    memo = api.get(f"problems/{test['problem_id']}/memo")
    assert f"- test {test['id']}: {reason}" in memo.text


@pytest.mark.parametrize("surface", SURFACES)
def test_inconclusive_needs_its_reason(api: Api, web: Web, surface: str) -> None:
    test = _running(api)
    response = _conclude(surface, api, web, test, reason="  ")
    message = _refused(surface, response, test, "inconclusive_reason")
    assert "say why the test is inconclusive" in message
    assert api.ok(api.get(f"tests/{test['id']}"))["status"] == "running"


@pytest.mark.parametrize("surface", SURFACES)
def test_an_observed_value_and_an_inconclusive_reason_do_not_go_together(
    api: Api, web: Web, surface: str
) -> None:
    test = _running(api)
    response = _conclude(surface, api, web, test, observed="0.95", reason="Not sure it counts.")
    message = _refused(surface, response, test, "inconclusive_reason")
    assert "either the value or the reason" in message
    assert api.ok(api.get(f"tests/{test['id']}"))["status"] == "running"


@pytest.mark.parametrize("surface", SURFACES)
def test_an_observed_value_still_computes_the_outcome(api: Api, web: Web, surface: str) -> None:
    test = _running(api)
    # On the page a reason typed in, then the observed value chosen after all, is not sent.
    response = _conclude(surface, api, web, test, observed="0.95")
    assert response.status_code == (200 if surface == "api" else 303), response.text
    concluded = api.ok(api.get(f"tests/{test['id']}"))
    assert (concluded["outcome"], concluded["inconclusive_reason"]) == ("validated", "")


def test_the_page_sends_no_reason_unless_inconclusive_is_chosen(api: Api, web: Web) -> None:
    test = _running(api)
    form = {"version": test["version"], "observed_value": "0.95", "learning": "Works."}
    form |= {"result": "observed", "inconclusive_reason": "Typed, then changed my mind."}
    assert web.post(f"tests/{test['id']}/conclude", form).status_code == 303
    concluded = api.ok(api.get(f"tests/{test['id']}"))
    assert (concluded["outcome"], concluded["inconclusive_reason"]) == ("validated", "")


def test_a_reason_only_comes_with_concluding(api: Api) -> None:
    test = _running(api)
    response = api.patch(
        f"tests/{test['id']}", json={"version": test["version"], "inconclusive_reason": "Why"}
    )
    assert fields_of(assert_error(response, 422, "invalid_input")) == ["inconclusive_reason"]


def test_the_conclude_form_offers_the_inconclusive_choice_accessibly(api: Api, web: Web) -> None:
    test = _running(api)
    form = soup(web.get("tests")).find("form", action=f"/w/acme/tests/{test['id']}/conclude")
    group = form.find("fieldset")
    assert group.legend.get_text(strip=True) == "Result"
    radios = group.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["observed", "inconclusive"]
    assert radios[0].has_attr("checked") and not radios[1].has_attr("checked")
    for control in [*radios, form.find(id=f"observed-{test['id']}")]:
        assert form.find("label", attrs={"for": control["id"]}) is not None
    reason = form.find("textarea", attrs={"name": "inconclusive_reason"})
    assert form.find("label", attrs={"for": reason["id"]}).get_text() == "Inconclusive because"
    assert form.find(id=reason["aria-describedby"]) is not None

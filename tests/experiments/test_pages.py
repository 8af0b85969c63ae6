"""The assumption-test board: plan, start, conclude; the outcome is computed."""

from tests.factories import Api
from tests.pages import Web, soup


def column(page, status: str) -> str:
    return page.find(id=f"col-{status}").parent.get_text()


def test_plan_start_and_conclude_a_test(api: Api, web: Web) -> None:
    problem = api.problem()
    assumption = api.assumption(problem["id"], statement="Finance will pay", critical=True)
    form = soup(web.get(f"tests/new?assumption_id={assumption['id']}"))
    assert form.find(id="assumption_id").find("option", selected=True)["value"] == str(
        assumption["id"]
    )
    missing = web.post(
        "tests",
        {
            "assumption_id": assumption["id"],
            "method": "pre_sale",
            "metric": "LOIs",
            "operator": ">=",
        },
    )
    assert missing.status_code == 422
    assert soup(missing).find(id="threshold-error") is not None

    created = web.post(
        "tests",
        {
            "assumption_id": assumption["id"],
            "method": "pre_sale",
            "metric": "signed LOIs",
            "operator": ">=",
            "threshold": "3",
        },
    )
    assert created.status_code == 303
    board = soup(web.get("tests"))
    assert "Finance will pay" in column(board, "planned")
    test = api.ok(api.get("tests"))["items"][0]

    assert web.post(f"tests/{test['id']}/start", {"version": test["version"]}).status_code == 303
    assert "Finance will pay" in column(soup(web.get("tests")), "running")

    concluded = web.post(
        f"tests/{test['id']}/conclude",
        {"version": test["version"] + 1, "observed_value": "5", "learning": "Five signed"},
    )
    assert concluded.status_code == 303
    done = column(soup(web.get("tests")), "concluded")
    assert "validated" in done and "Five signed" in done


def test_concluding_without_a_value_or_learning_is_refused(api: Api, web: Web) -> None:
    problem = api.problem()
    test = api.test_card(api.assumption(problem["id"])["id"], status="running")
    response = web.post(f"tests/{test['id']}/conclude", {"version": test["version"]})
    assert response.status_code == 422
    assert "observed value" in soup(response).get_text()

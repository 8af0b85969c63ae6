"""The duplicate problems page, and merging two problems from it."""

from tests.factories import Api
from tests.pages import Web, soup


def test_portfolio_links_to_the_duplicates_page(api: Api, web: Web) -> None:
    api.problem()
    portfolio = soup(web.get(""))
    assert portfolio.find("a", href="/w/acme/problems/duplicates") is not None


def test_duplicates_are_listed_and_merged_with_a_preview_and_an_undo(api: Api, web: Web) -> None:
    keep = api.problem(title="Bank sync fails")
    absorb = api.problem(title="bank  sync fails")
    api.problem(title="Invoices are late")
    item = api.evidence(absorb["id"])
    page = soup(web.get("problems/duplicates"))
    review = f"/w/acme/problems/{keep['id']}/merge?absorb_id={absorb['id']}"
    assert [a["href"] for a in page.find_all("a", string="Review the merge")] == [review]

    preview = web.get(review.removeprefix("/w/acme/"))
    assert preview.status_code == 200
    rows = {
        tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text()
        for tr in soup(preview).select("table.merge-moves tbody tr")
    }
    assert rows["Evidence items"] == "1" and rows["Decisions"] == "0"
    assert "memos exactly as they were" in preview.text

    done = web.post(f"problems/{keep['id']}/merge", {"absorb_id": str(absorb["id"])})
    assert done.status_code == 303
    assert api.ok(api.get(f"evidence/{item['id']}"))["problem_id"] == keep["id"]
    after = soup(web.get(done.headers["location"]))
    assert after.find("a", string="Review the merge") is None
    undo = after.find("form", action=lambda a: bool(a and a.endswith("/undo")))
    back = web.post(undo["action"])
    assert back.headers["location"] == f"/w/acme/problems/{absorb['id']}"
    assert api.ok(api.get(f"evidence/{item['id']}"))["problem_id"] == absorb["id"]


def test_merge_any_two_from_the_form(api: Api, web: Web) -> None:
    first, second = api.problem(title="Exports break"), api.problem(title="Onboarding slow")
    chosen = web.get(f"problems/merge?keep_id={first['id']}&absorb_id={second['id']}")
    assert chosen.status_code == 200
    assert chosen.url.path == f"/w/acme/problems/{first['id']}/merge"
    assert soup(chosen).find("h1").get_text() == "Merge “Onboarding slow” into “Exports break”"
    same = web.get(f"problems/{first['id']}/merge?absorb_id={first['id']}")
    assert same.status_code == 422 and "two different problems" in same.text

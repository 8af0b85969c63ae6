"""Workspace isolation and roles, route by route.

One test walks every route of the OpenAPI document under /workspaces/{ws}: as a user of another
workspace (404 for everything: the workspace must not be seen to exist) and as each role (2xx
when the role is enough, 403 otherwise). A route missing from the table below fails the test,
so a new route cannot ship without saying who may call it.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.enums import Role
from tests.factories import Api
from tests.helpers import MAKERS, Row

WS_PREFIX = "/api/v1/workspaces/{ws}"
VIEWER, CONTRIBUTOR, DECIDER, ADMIN = Role.viewer, Role.contributor, Role.decider, Role.admin

# Who may call each route (the least role), keyed by method and the path after /workspaces/{ws}.
EXPECTED: dict[str, Role] = {
    "GET ": VIEWER,
    "PATCH ": ADMIN,
    "GET /members": VIEWER,
    "POST /members": ADMIN,
    "PATCH /members/{user_id}": ADMIN,
    "DELETE /members/{user_id}": ADMIN,
    "GET /problems/{row_id}/kill-criteria": VIEWER,
    "GET /problems/{problem_id}/assumptions/critical": VIEWER,
    "GET /problems/{problem_id}/scorecard": VIEWER,
    "GET /problems/{problem_id}/scorecard/history": VIEWER,
    "GET /problems/{problem_id}/memo": VIEWER,
    "GET /decisions/{decision_id}/memo": VIEWER,
    "GET /review": VIEWER,
    "GET /portfolio": VIEWER,
    "GET /portfolio.csv": VIEWER,
    "GET /settings/scoring": ADMIN,
    "PATCH /settings/scoring": ADMIN,
    "GET /audit": VIEWER,
    "GET /export": ADMIN,
    "GET /participants/{participant_id}/personal-data": ADMIN,
    "POST /participants/{participant_id}/erase": ADMIN,
    "POST /import/interviews/preview": CONTRIBUTOR,
    "POST /import/interviews": CONTRIBUTOR,
    "POST /interviews/transcript": CONTRIBUTOR,
    "PUT /interviews/{row_id}/transcript": CONTRIBUTOR,
    "GET /export/{table}.csv": VIEWER,
    "GET /export/project.qdpx": VIEWER,
    "GET /export/codebook.qdc": VIEWER,
    "POST /import/codebook": CONTRIBUTOR,
    "GET /search": VIEWER,
    "POST /interviews/{row_id}/highlights": CONTRIBUTOR,
    "GET /invitations": ADMIN,
    "POST /invitations": ADMIN,
    "POST /invitations/{invitation_id}/resend": ADMIN,
    "DELETE /invitations/{invitation_id}": ADMIN,
    "GET /settings/signup": ADMIN,
    "PATCH /settings/signup": ADMIN,
    "GET /share-links": VIEWER,
    "POST /share-links": DECIDER,
    "DELETE /share-links/{share_link_id}": DECIDER,
    "POST /evidence/bulk": CONTRIBUTOR,
    "PUT /import/columns": CONTRIBUTOR,
    "POST /evidence/bulk/{event_id}/undo": CONTRIBUTOR,
    "GET /participant-directory": VIEWER,
    "GET /participant-duplicates": VIEWER,
    "GET /participants/{row_id}/merge-preview": VIEWER,
    "POST /participants/{row_id}/merge": CONTRIBUTOR,
    "POST /participant-merges/{merge_id}/undo": CONTRIBUTOR,
    "GET /problem-duplicates": VIEWER,
    "GET /problems/{row_id}/merge-preview": VIEWER,
    "POST /problems/{row_id}/merge": CONTRIBUTOR,
    "POST /problem-merges/{merge_id}/undo": CONTRIBUTOR,
}
WRITERS = {
    "segments": ADMIN,
    "participants": CONTRIBUTOR,
    "interviews": CONTRIBUTOR,
    "evidence": CONTRIBUTOR,
    "problems": CONTRIBUTOR,
    "assumptions": CONTRIBUTOR,
    "tests": CONTRIBUTOR,
    "decisions": DECIDER,
}
for _path, _writer in WRITERS.items():
    EXPECTED |= {
        f"GET /{_path}": VIEWER,
        f"GET /{_path}/{{row_id}}": VIEWER,
        f"POST /{_path}": _writer,
        f"PATCH /{_path}/{{row_id}}": _writer,
    }
    if _path != "decisions":  # append-only
        EXPECTED |= {
            f"DELETE /{_path}/{{row_id}}": _writer,
            f"POST /{_path}/{{row_id}}/restore": _writer,
        }

# Path values that are not row ids, and the query a route needs to answer.
PATH_VALUES = {"table": "evidence"}
QUERIES: dict[str, Row] = {"GET /search": {"q": "pay"}}

# What a successful write sends; PATCH bodies get the row's current version added.
CHANGE: dict[str, Row] = {
    "": {"description": "Discovery for Q3"},
    "segments": {"description": "Mid-market finance teams"},
    "participants": {"title": "Controller"},
    "interviews": {"title": "Follow-up call"},
    "evidence": {"quote": "We export by hand every month."},
    "problems": {"statement": "Exports break at month end."},
    "assumptions": {"critical": True},
    "tests": {"metric": "exports that succeed"},
    "decisions": {"review_on": "2027-01-15"},
    "settings/scoring": {"pain_threshold": 55},
    "settings/signup": {"signup_domain": "example.org", "signup_role": "viewer"},
}


@dataclass
class World:
    """A workspace with one row of each kind, and the people around it."""

    admin: Api
    rows: dict[str, Row] = field(default_factory=dict)
    bystander_id: int = 0
    newcomer: str = "newcomer@example.com"

    def create_body(self, path: str) -> Row:
        r = self.rows
        bodies: dict[str, Row] = {
            "members": {"email": self.newcomer, "role": "viewer"},
            "invitations": {"email": "invitee@example.com", "role": "viewer"},
            "share-links": {"kind": "scorecard", "target_id": r["problems"]["id"]},
            "segments": {"name": "Enterprise", "size": 40},
            "participants": {"name": "Ravi", "segment_id": r["segments"]["id"]},
            "interviews": {
                "occurred_on": "2026-10-02",
                "participant_id": r["participants"]["id"],
                "problem_ids": [r["problems"]["id"]],
            },
            "evidence": {"problem_id": r["problems"]["id"], "quote": "q", "signal": "searching"},
            "problems": {"title": "Onboarding takes weeks"},
            "assumptions": {
                "problem_id": r["problems"]["id"],
                "statement": "They will pay",
                "category": "viability",
            },
            "tests": {
                "assumption_id": r["assumptions"]["id"],
                "method": "pre_sale",
                "metric": "signed orders",
                "operator": ">=",
                "threshold": 3,
            },
            "decisions": {"problem_id": r["problems"]["id"], "kind": "park", "rationale": "Later"},
        }
        return bodies[path]

    def path_value(self, route: str, name: str) -> int | str:
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        if name == "user_id":
            return self.bystander_id
        if name == "event_id":  # a fresh bulk edit for each caller to undo
            body = {"ids": [self.rows["evidence"]["id"]], "change": {"severity": 3}}
            return int(self.admin.ok(self.admin.post("evidence/bulk", json=body))["event_id"])
        # "/tests/{row_id}" -> "tests"; "{problem_id}" -> "problems"
        by_route = name in ("row_id", "merge_id")
        collection = route.split("/")[1] if by_route else name.removesuffix("_id") + "s"
        collection = collection.replace("share_links", "share-links")
        return int(self.rows[collection]["id"])


def build_world(client: TestClient) -> World:
    admin = Api.signed_up(client, email="ada@example.com", workspace="acme")
    world = World(admin=admin)
    segment = admin.segment()
    participant = admin.participant(segment_id=segment["id"])
    problem = admin.problem(tags=["billing"])
    interview = admin.interview(
        participant_id=participant["id"],
        problem_ids=[problem["id"]],
        highlights=[{"problem_id": problem["id"], "quote": "We pay for it", "signal": "paid"}],
    )
    assumption = admin.assumption(problem["id"])
    world.rows = {
        "segments": segment,
        "participants": participant,
        "problems": problem,
        "interviews": interview,
        "evidence": interview["evidence"][0],
        "assumptions": assumption,
        "tests": admin.test_card(assumption["id"]),
        "decisions": admin.ok(
            admin.post(
                "decisions",
                json={"problem_id": problem["id"], "kind": "pursue", "rationale": "They pay"},
            ),
            201,
        ),
    }
    world.rows["share-links"] = admin.ok(
        admin.post("share-links", json={"kind": "scorecard", "target_id": problem["id"]}), 201
    )
    world.rows["invitations"] = admin.ok(
        admin.post("invitations", json={"email": "pending@example.com"}), 201
    )
    for kind in ("participants", "problems"):  # a merge to undo
        keep, absorb = (MAKERS[kind](admin) for _ in range(2))
        merged = admin.ok(
            admin.post(f"{kind}/{keep['id']}/merge", json={"absorb_id": absorb["id"]})
        )
        world.rows[kind.removesuffix("s") + "-merges"] = {"id": merged["merge_id"]}
    world.bystander_id = admin.as_member("bystander@example.com", "viewer").user_id
    Api.register(client, world.newcomer)
    return world


def workspace_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path after /workspaces/{ws}) of every documented workspace route."""
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path.removeprefix(WS_PREFIX))
        for path, operations in document["paths"].items()
        if path == WS_PREFIX or path.startswith(WS_PREFIX + "/")
        for method in operations
    ]


def resolve(world: World, route: str) -> str:
    url = route
    for name in re.findall(r"{(\w+)}", route):
        url = url.replace("{" + name + "}", str(world.path_value(route, name)))
    assert "{" not in url, f"no value for a path parameter of {route}; teach World.path_value"
    return url.lstrip("/")


def request_for(world: World, method: str, route: str, url: str) -> dict[str, Any]:
    """The keyword arguments of a valid request to this route (as far as the role allows)."""
    admin = world.admin
    collection = route.split("/")[1] if route else ""
    if route.startswith("/import/interviews"):
        title = world.rows["problems"]["title"]
        csv = (
            "participant,interview_date,quote,problem,signal\n"
            f"Ravi,2026-10-03,We pay,{title},paid\n"
        )
        return {"files": {"file": ("highlights.csv", csv.encode(), "text/csv")}}
    if route == "/import/codebook":
        book = (
            '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="Slow onboarding"'
            ' guid="11111111-1111-1111-1111-111111111111" isCodable="true"/></Codes></CodeBook>'
        )
        return {"files": {"file": ("book.qdc", book.encode(), "application/xml")}}
    if route.endswith("/transcript"):
        vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ravi>We pay.\n"
        if method == "PUT":
            interview = admin.ok(admin.get(url.removesuffix("/transcript")))
            fields = {"version": str(interview["version"])}
        else:
            fields = {"occurred_on": "2026-10-01"}
        return {"data": fields, "files": {"file": ("call.vtt", vtt)}}
    if route == "/import/columns":
        return {"json": {"columns": {"Who": "participant"}}}
    if route == "/evidence/bulk":
        return {"json": {"ids": [world.rows["evidence"]["id"]], "change": {"severity": 2}}}
    if route == "/interviews/{row_id}/highlights":
        problem_id = world.rows["problems"]["id"]
        return {"json": {"start": 0, "end": 5, "problem_id": problem_id, "signal": "stated"}}
    if route.endswith(("/merge", "/merge-preview")):
        absorb_id = MAKERS[collection](admin)["id"]  # a fresh duplicate each time
        if method == "GET":
            return {"params": {"absorb_id": absorb_id}}
        return {"json": {"absorb_id": absorb_id}}
    if method == "POST" and route == f"/{collection}":
        return {"json": world.create_body(collection)}
    if method == "PATCH" and collection == "members":
        members = admin.ok(admin.get("members"))
        version = next(m["version"] for m in members if m["user"]["id"] == world.bystander_id)
        return {"json": {"version": version, "role": "contributor"}}
    if method == "PATCH":
        current = admin.ok(admin.get(url))
        key = route.lstrip("/") if route.startswith("/settings/") else collection
        return {"json": {"version": current["version"]} | CHANGE[key]}
    if f"{method} {route}" in QUERIES:
        return {"params": QUERIES[f"{method} {route}"]}
    return {}


def repair(world: World, method: str, route: str, url: str) -> None:
    """Undo a successful delete, so the routes walked after it find their row."""
    if method != "DELETE":
        return
    admin = world.admin
    if route.startswith("/members/"):
        body = {"email": "bystander@example.com", "role": "viewer"}
        admin.ok(admin.post("members", json=body), 202)
    elif route.startswith("/share-links/"):
        body = {"kind": "scorecard", "target_id": world.rows["problems"]["id"]}
        world.rows["share-links"] = admin.ok(admin.post("share-links", json=body), 201)
    elif route.startswith("/invitations/"):  # revoked: a new one for the routes after
        body = {"email": "pending@example.com"}
        world.rows["invitations"] = admin.ok(admin.post("invitations", json=body), 201)
    else:
        admin.ok(admin.post(f"{url}/restore"))


def call(api: Api, method: str, url: str, **kwargs: Any) -> Response:
    return api.client.request(method, api.url(url), headers=api.headers, **kwargs)


@pytest.mark.parametrize("who", ["outsider", "viewer", "contributor", "decider", "admin"])
def test_every_workspace_route_answers_each_kind_of_caller(client: TestClient, who: str) -> None:
    routes = workspace_routes(client)
    documented = {f"{method} {route}" for method, route in routes}
    assert documented - set(EXPECTED) == set(), "add these routes to EXPECTED with their role"
    assert set(EXPECTED) - documented == set(), "these routes are gone; remove them from EXPECTED"

    world = build_world(client)
    if who == "outsider":
        caller = Api.signed_up(client, email="olga@example.com", workspace="elsewhere")
        # Their own workspace must not open the door to acme's rows either.
        caller_in_own = caller
        caller = Api(client, caller.token, world.admin.ws, caller.user_id)
    elif who == "admin":
        caller = world.admin
    else:
        caller = world.admin.as_member(f"{who}@example.com", who)

    failures = []
    for method, route in routes:
        url = resolve(world, route)
        kwargs = request_for(world, method, route, url)
        response = call(caller, method, url, **kwargs)
        if who == "outsider":
            expected: tuple[int, ...] = (404,)
        elif Role(who).at_least(EXPECTED[f"{method} {route}"]):
            expected = (200, 201, 202, 204)
        else:
            expected = (403,)
        if response.status_code not in expected:
            failures.append(f"{method} {route}: {response.status_code} {response.text[:200]}")
            continue
        if response.status_code >= 400:
            assert (
                response.json()["error"]["code"]
                == {403: "forbidden", 404: "not_found"}[response.status_code]
            )
        else:
            repair(world, method, route, url)
        if who == "outsider" and re.search(r"{\w+_id}", route):
            # acme's row ids through the outsider's own workspace: not found there either.
            own = call(caller_in_own, method, url, **kwargs)
            if own.status_code != 404:
                failures.append(f"{method} {route} in own workspace: {own.status_code}")
    assert failures == [], "\n".join(failures)

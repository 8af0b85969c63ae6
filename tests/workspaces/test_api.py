"""Workspaces and their members: creation, reads, versioned edits and the admin's rules."""

import pytest

from tests.factories import Api
from tests.helpers import assert_error, fields_of

WORKSPACES = "/api/v1/workspaces"


def test_creator_of_a_workspace_is_its_admin(api: Api) -> None:
    response = api.client.post(
        WORKSPACES,
        headers=api.headers,
        json={"slug": "research-lab", "name": "Research lab", "description": "Q3 discovery"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["slug"] == "research-lab"
    assert created["name"] == "Research lab"
    assert created["description"] == "Q3 discovery"
    assert created["role"] == "admin"
    assert created["version"] == 1

    members = api.client.get(f"{WORKSPACES}/research-lab/members", headers=api.headers).json()
    assert [(m["user"]["email"], m["role"]) for m in members] == [("ada@example.com", "admin")]


def test_taken_slug_is_409(api: Api) -> None:
    other = Api.signed_up(api.client, email="bob@example.com")
    response = api.client.post(
        WORKSPACES, headers=other.headers, json={"slug": "acme", "name": "Another Acme"}
    )
    assert_error(response, 409, "slug_taken")


@pytest.mark.parametrize(
    "slug", ["Acme", "has space", "-leading", "trailing-", "a" * 65, "", "ünï", "dots.here"]
)
def test_bad_slug_is_422_with_the_field_path(api: Api, slug: str) -> None:
    response = api.client.post(WORKSPACES, headers=api.headers, json={"slug": slug, "name": "X"})
    error = assert_error(response, 422, "invalid_input")
    assert fields_of(error) == ["body.slug"]
    assert error["message"].startswith("body.slug: ")


def test_list_and_get_show_only_my_workspaces(api: Api) -> None:
    other = Api.signed_up(api.client, email="bob@example.com", workspace="bobs")
    api.post_root(WORKSPACES, json={"slug": "beta", "name": "Beta"})

    mine = api.client.get(WORKSPACES, headers=api.headers).json()
    assert sorted((w["slug"], w["role"]) for w in mine) == [("acme", "admin"), ("beta", "admin")]
    assert [w["slug"] for w in other.client.get(WORKSPACES, headers=other.headers).json()] == [
        "bobs"
    ]

    got = api.ok(api.get(""))
    assert (got["slug"], got["name"], got["role"]) == ("acme", "Acme", "admin")
    assert_error(api.client.get(f"{WORKSPACES}/bobs", headers=api.headers), 404, "not_found")
    assert_error(api.client.get(f"{WORKSPACES}/nowhere", headers=api.headers), 404, "not_found")


def test_patch_with_current_version_bumps_it(api: Api) -> None:
    updated = api.ok(api.patch("", json={"version": 1, "name": "Acme Corp", "description": "B2B"}))
    assert (updated["name"], updated["description"], updated["version"]) == (
        "Acme Corp",
        "B2B",
        2,
    )
    assert api.ok(api.get(""))["name"] == "Acme Corp"


def test_patch_with_stale_version_is_409_with_the_workspace_as_it_is_now(api: Api) -> None:
    api.ok(api.patch("", json={"version": 1, "name": "Acme Corp"}))
    response = api.patch("", json={"version": 1, "name": "Lost update"})
    error = assert_error(response, 409, "stale_version")
    current = error["details"]["current"]
    assert current == {k: v for k, v in api.ok(api.get("")).items() if k != "role"}
    assert (current["name"], current["version"]) == ("Acme Corp", 2)
    assert api.ok(api.get(""))["name"] == "Acme Corp"


def test_patch_without_version_or_with_empty_name_is_422(api: Api) -> None:
    assert fields_of(assert_error(api.patch("", json={"name": "X"}), 422)) == ["body.version"]
    error = assert_error(api.patch("", json={"version": 1, "name": None}), 422)
    assert fields_of(error) == ["name"]
    error = assert_error(api.patch("", json={"version": 1, "name": ""}), 422)
    assert fields_of(error) == ["body.name"]


def test_admin_adds_a_member_by_email_changes_the_role_and_removes_them(api: Api) -> None:
    api.register(api.client, "Carol@Example.com")
    added = api.ok(api.post("members", json={"email": "carol@example.com", "role": "viewer"}), 202)
    assert added["email"] == "carol@example.com"
    assert added["role"] == "viewer"
    [carol] = [m for m in api.ok(api.get("members")) if m["user"]["email"] == "carol@example.com"]
    assert carol["role"] == "viewer"
    carol_id = carol["user"]["id"]

    assert carol["version"] == 1  # the add answers alike for every email: no row in it
    changed = api.ok(api.patch(f"members/{carol_id}", json={"version": 1, "role": "decider"}))
    assert (changed["role"], changed["version"]) == ("decider", 2)
    roles = {m["user"]["email"]: m["role"] for m in api.ok(api.get("members"))}
    assert roles == {"ada@example.com": "admin", "carol@example.com": "decider"}

    carol_token = Api.sign_in(api.client, "carol@example.com")
    carol_headers = {"Authorization": f"Bearer {carol_token}"}
    assert api.client.get(api.url(""), headers=carol_headers).json()["role"] == "decider"

    assert api.delete(f"members/{carol_id}").status_code == 204
    assert [m["user"]["email"] for m in api.ok(api.get("members"))] == ["ada@example.com"]
    # Once removed, the workspace is invisible to them.
    assert_error(api.client.get(api.url(""), headers=carol_headers), 404, "not_found")


def test_member_added_without_a_role_is_a_viewer(api: Api) -> None:
    api.register(api.client, "carol@example.com")
    assert api.ok(api.post("members", json={"email": "carol@example.com"}), 202)["role"] == "viewer"
    roles = {m["user"]["email"]: m["role"] for m in api.ok(api.get("members"))}
    assert roles["carol@example.com"] == "viewer"


def test_adding_an_existing_member_is_409(api: Api) -> None:
    api.as_member("carol@example.com", "viewer")
    response = api.post("members", json={"email": "carol@example.com", "role": "admin"})
    assert_error(response, 409, "already_member")


def test_adding_a_member_does_not_tell_whether_the_email_has_an_account(api: Api) -> None:
    """Anyone can make a workspace and be its admin: the answer must not reveal accounts."""
    api.register(api.client, "carol@example.com")
    known = api.post("members", json={"email": "carol@example.com", "role": "viewer"})
    unknown = api.post("members", json={"email": "cecil@example.com", "role": "viewer"})

    assert known.status_code == unknown.status_code == 202
    assert known.headers == unknown.headers  # same length too: the emails are as long
    assert known.json() == {
        "email": "carol@example.com",
        "role": "viewer",
        "message": "If carol@example.com has an Evident account, they now have access to Acme "
        "as viewer. If not, nothing changed: ask whoever runs Evident to create their account "
        "(`evident create-user`), then add them again.",
    }
    assert unknown.json() == {
        key: value.replace("carol", "cecil") for key, value in known.json().items()
    }
    # Only the real account became a member; the admin sees who has access in the list.
    members = [m["user"]["email"] for m in api.ok(api.get("members"))]
    assert members == ["ada@example.com", "carol@example.com"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an email", "role": "viewer"}, "body.email"),
        ({"email": "carol@example.com", "role": "owner"}, "body.role"),
    ],
)
def test_bad_member_input_is_422(api: Api, body: dict[str, str], field: str) -> None:
    assert fields_of(assert_error(api.post("members", json=body), 422)) == [field]


def test_unknown_member_is_404(api: Api) -> None:
    assert_error(api.patch("members/999", json={"version": 1, "role": "viewer"}), 404, "not_found")
    assert_error(api.delete("members/999"), 404, "not_found")


def test_last_admin_cannot_step_down_or_be_removed(api: Api) -> None:
    for role in ("viewer", "contributor", "decider"):
        response = api.patch(f"members/{api.user_id}", json={"version": 1, "role": role})
        error = assert_error(response, 409, "last_admin")
        assert error["message"].startswith("You are the workspace's last admin")
    assert_error(api.delete(f"members/{api.user_id}"), 409, "last_admin")
    # Staying admin is no demotion.
    assert api.ok(api.patch(f"members/{api.user_id}", json={"version": 1, "role": "admin"}))

    # With a second admin, the first can step down; then the second is the last one.
    bob = api.as_member("bob@example.com", "admin")
    stepped_down = api.ok(
        api.patch(f"members/{api.user_id}", json={"version": 2, "role": "viewer"})
    )
    assert stepped_down["role"] == "viewer"
    assert_error(
        bob.patch(f"members/{bob.user_id}", json={"version": 1, "role": "viewer"}),
        409,
        "last_admin",
    )
    assert_error(bob.delete(f"members/{bob.user_id}"), 409, "last_admin")
    roles = {m["user"]["id"]: m["role"] for m in bob.ok(bob.get("members"))}
    assert roles == {api.user_id: "viewer", bob.user_id: "admin"}


def test_last_admin_removed_by_another_admin_leaves_them_one(api: Api) -> None:
    bob = api.as_member("bob@example.com", "admin")
    assert bob.delete(f"members/{api.user_id}").status_code == 204
    error = assert_error(bob.delete(f"members/{bob.user_id}"), 409, "last_admin")
    assert "make someone else admin first" in error["message"]
    assert [m["role"] for m in bob.ok(bob.get("members"))] == ["admin"]


def test_role_change_against_an_old_version_is_409_with_the_member_as_it_is_now(api: Api) -> None:
    carol = api.as_member("carol@example.com", "viewer")
    api.ok(api.patch(f"members/{carol.user_id}", json={"version": 1, "role": "decider"}))
    response = api.patch(f"members/{carol.user_id}", json={"version": 1, "role": "contributor"})
    current = assert_error(response, 409, "stale_version")["details"]["current"]
    assert (current["role"], current["version"]) == ("decider", 2)
    assert current["user"]["id"] == carol.user_id
    assert fields_of(
        assert_error(api.patch(f"members/{carol.user_id}", json={"role": "viewer"}), 422)
    ) == ["body.version"]


@pytest.mark.parametrize("role", ["viewer", "contributor", "decider"])
def test_non_admins_cannot_manage_the_workspace(api: Api, role: str) -> None:
    member = api.as_member("carol@example.com", role)
    api.register(api.client, "dave@example.com")

    for response in (
        member.patch("", json={"version": 1, "name": "Mine now"}),
        member.post("members", json={"email": "dave@example.com", "role": "admin"}),
        member.patch(f"members/{member.user_id}", json={"version": 1, "role": "admin"}),
        member.patch(f"members/{api.user_id}", json={"version": 1, "role": "viewer"}),
        member.delete(f"members/{api.user_id}"),
    ):
        error = assert_error(response, 403, "forbidden")
        assert f"Your role is {role}" in error["message"]

    # They can still read the workspace and its members.
    assert member.ok(member.get(""))["role"] == role
    assert len(member.ok(member.get("members"))) == 2
    assert api.ok(api.get(""))["name"] == "Acme"

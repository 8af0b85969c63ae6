"""Load the workspace of the URL for a member, and check their role."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import select

from app.auth.deps import CurrentUser
from app.auth.models import User
from app.db import SessionDep
from app.enums import Role
from app.errors import Forbidden, NotFound
from app.kit.collections import Access
from app.workspaces.models import Membership, Workspace


@dataclass(frozen=True)
class WorkspaceContext:
    """The workspace of the request, the signed-in user and their role in it."""

    workspace: Workspace
    user: User
    role: Role

    @property
    def id(self) -> int:
        assert self.workspace.id is not None
        return self.workspace.id

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def can(self, role: Role) -> bool:
        return Role(self.role).at_least(role)


def load_workspace(
    session: SessionDep,
    user: CurrentUser,
    ws: Annotated[str, Path(description="Workspace slug.", max_length=64)],
) -> WorkspaceContext:
    """The workspace for one of its members; 404 for anyone else, to not reveal it exists."""
    row = session.exec(
        select(Workspace, Membership)
        .join(Membership, Membership.workspace_id == Workspace.id)  # type: ignore[arg-type]
        .where(Workspace.slug == ws, Membership.user_id == user.id, Workspace.deleted_at.is_(None))  # type: ignore[union-attr]
    ).first()
    if row is None:
        raise NotFound(f"No workspace '{ws}'.")
    workspace, membership = row
    return WorkspaceContext(workspace=workspace, user=user, role=Role(membership.role))


WorkspaceDep = Annotated[WorkspaceContext, Depends(load_workspace)]

_ROLE_VERBS = {
    Role.contributor: "change research data",
    Role.decider: "record decisions",
    Role.admin: "manage the workspace",
}


def require_role(role: Role) -> Callable[[WorkspaceContext], WorkspaceContext]:
    """A dependency that lets members with at least `role` through, and answers 403 otherwise."""

    def check(ctx: WorkspaceDep) -> WorkspaceContext:
        if not ctx.can(role):
            raise Forbidden(
                f"Your role is {ctx.role.value}; you need to be {role.value} or above "
                f"to {_ROLE_VERBS.get(role, 'do this')}."
            )
        return ctx

    return check


ContributorDep = Annotated[WorkspaceContext, Depends(require_role(Role.contributor))]
DeciderDep = Annotated[WorkspaceContext, Depends(require_role(Role.decider))]
AdminDep = Annotated[WorkspaceContext, Depends(require_role(Role.admin))]


# The collections' routes (app.kit.collections) reach a workspace through its members.
WORKSPACE_ACCESS = Access(member=load_workspace, role=require_role)

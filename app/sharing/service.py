"""Rules of read-only share links: deciders make them for one scorecard or one frozen memo;
they are signed, expire, can be revoked, and every view is counted and audited."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.auth.links import new_link_token, verified_link_hash
from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.decisions.models import Decision
from app.enums import Role
from app.errors import InvalidInput, NotFound
from app.kit.audit import record, record_change
from app.kit.rows import get_row
from app.problems.models import Problem
from app.sharing.models import SharedThing, ShareLink, ShareLinkCreate, ShareLinkRead
from app.workspaces.deps import WorkspaceContext
from app.workspaces.models import Workspace

PURPOSE = "share"


def share_path(token: str) -> str:
    return f"/s/{token}"


def _audited(link: ShareLink) -> dict[str, Any]:
    return ShareLinkRead.model_validate(link, from_attributes=True).model_dump(mode="json")


def _title(session: Session, ctx: WorkspaceContext, kind: SharedThing, target_id: int) -> str:
    """What the link shows, named; 404 when the workspace has no such problem or decision."""
    if kind == SharedThing.scorecard:
        return f"Scorecard: {get_row(session, Problem, ctx, target_id).title}"
    decision = get_row(session, Decision, ctx, target_id)
    problem = get_row(session, Problem, ctx, decision.problem_id, include_deleted=True)
    return f"Decision memo: {problem.title} ({decision.kind}, {decision.created_at:%Y-%m-%d})"


def create_link(
    *, session: Session, ctx: WorkspaceContext, payload: ShareLinkCreate, settings: Settings
) -> tuple[ShareLink, str]:
    """A new read-only link; its token is returned once and only its hash is kept."""
    now = utcnow()
    if payload.expires_on is None:
        expires_at = now + timedelta(days=settings.share_days)
    else:
        expires_at = datetime.combine(payload.expires_on, time.max, tzinfo=UTC)
        if expires_at <= now or expires_at > now + timedelta(days=366):
            raise InvalidInput(
                "expires_on: pick a day from today to a year ahead.",
                details=[{"field": "expires_on", "message": "from today to a year ahead"}],
            )
    token, token_hash = new_link_token(settings.secret_key, PURPOSE)
    link = ShareLink(
        workspace_id=ctx.id,
        kind=payload.kind,
        target_id=payload.target_id,
        title=_title(session, ctx, payload.kind, payload.target_id)[:300],
        token_hash=token_hash,
        created_by=ctx.user_id,
        expires_at=expires_at,
    )
    session.add(link)
    session.flush()
    record_change(session, ctx, "create", link, after=_audited(link))
    return link, token


def live_links(*, session: Session, ctx: WorkspaceContext) -> list[ShareLink]:
    """The workspace's links that still work, newest first."""
    return list(
        session.exec(
            select(ShareLink)
            .where(
                ShareLink.workspace_id == ctx.id,
                col(ShareLink.revoked_at).is_(None),
                col(ShareLink.expires_at) > utcnow(),
            )
            .order_by(col(ShareLink.created_at).desc(), col(ShareLink.id).desc())
        ).all()
    )


def revoke_link(*, session: Session, ctx: WorkspaceContext, link_id: int) -> None:
    """Stop a link from working (audited)."""
    link = session.exec(
        select(ShareLink).where(ShareLink.id == link_id, ShareLink.workspace_id == ctx.id)
    ).first()
    if link is None or link.revoked_at is not None:
        raise NotFound(f"No share link {link_id}.")
    before = _audited(link)
    link.revoked_at = utcnow()
    session.flush()
    record_change(session, ctx, "revoke", link, before=before, after=_audited(link))


@dataclass(frozen=True)
class Shared:
    """An opened link: the link, and the workspace read as its creator could, as a viewer."""

    link: ShareLink
    ctx: WorkspaceContext


def open_link(*, session: Session, settings: Settings, token: str) -> Shared:
    """The link of a token that still works, its view counted and audited; 404 otherwise."""
    refused = NotFound(
        "This link does not work: it was mistyped, has expired or was withdrawn. Ask whoever "
        "shared it for a new one.",
        code="share_link_invalid",
    )
    token_hash = verified_link_hash(settings.secret_key, PURPOSE, token)
    if token_hash is None:
        raise refused
    link = session.exec(select(ShareLink).where(ShareLink.token_hash == token_hash)).first()
    now = utcnow()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise refused
    workspace = session.get(Workspace, link.workspace_id)
    creator = session.get(User, link.created_by) if link.created_by else None
    if workspace is None or workspace.deleted_at is not None or creator is None:
        raise refused
    link.views += 1
    link.last_viewed_at = now
    session.flush()
    record(
        session=session,
        workspace_id=link.workspace_id,
        actor_id=None,  # no account: the link is who looked
        action="view",
        entity="share_link",
        entity_id=link.id,
        after={"views": link.views, "title": link.title},
    )
    return Shared(
        link=link, ctx=WorkspaceContext(workspace=workspace, user=creator, role=Role.viewer)
    )


def shareable(*, session: Session, ctx: WorkspaceContext) -> list[tuple[str, str]]:
    """What a decider can share, as (value, label): every problem's scorecard, then every
    decision's memo, newest first."""
    problems = session.exec(
        select(Problem)
        .where(Problem.workspace_id == ctx.id, col(Problem.deleted_at).is_(None))
        .order_by(col(Problem.title))
        .limit(500)
    ).all()
    titles = {p.id: p.title for p in problems}
    decisions = session.exec(
        select(Decision)
        .where(Decision.workspace_id == ctx.id, col(Decision.deleted_at).is_(None))
        .order_by(col(Decision.created_at).desc())
        .limit(500)
    ).all()
    return [(f"scorecard:{p.id}", f"Scorecard: {p.title}") for p in problems] + [
        (
            f"memo:{d.id}",
            f"Memo of decision {d.id}: {titles.get(d.problem_id, 'a deleted problem')} "
            f"({d.kind}, {d.created_at:%Y-%m-%d})",
        )
        for d in decisions
    ]

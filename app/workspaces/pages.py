"""Workspace settings: members and roles, segments and their sizes, scoring thresholds, and
your personal API tokens (a new token is shown once)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth.deps import CurrentUser
from app.auth.models import ApiToken, TokenCreate
from app.auth.service import issue_token, personal_tokens
from app.db import SessionDep, utcnow
from app.enums import Role
from app.errors import AppError, Conflict, FormError, InvalidInput, NotFound
from app.kit.rows import get_for_update, get_row, restore, soft_delete, update_row
from app.research import repository as research_repository
from app.research.models import Segment, SegmentCreate, SegmentUpdate
from app.research.service import create_segment
from app.sharing import service as sharing
from app.validation import Id, whole_number
from app.web import (
    PAGE_SIZE,
    CompareRow,
    FormDep,
    Pager,
    ShownField,
    app_errors,
    compare_rows,
    hx_redirect,
    is_htmx,
    offset_param,
    page_router,
    public_url,
    render,
    stale_message,
    validation_errors,
    values_of,
)
from app.workspaces import invitations
from app.workspaces import service as workspaces
from app.workspaces.deps import AdminDep, WorkspaceContext, WorkspaceDep
from app.workspaces.models import (
    InvitationCreate,
    InvitationSent,
    ScoringSettingsUpdate,
    SignupSettingsUpdate,
)
from app.workspaces.service import update_scoring_settings

router = page_router()


def _settings_page(
    request: Request,
    session: SessionDep,
    ctx: WorkspaceContext,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    new_token: str | None = None,
    invitation_sent: InvitationSent | None = None,
    share_created: tuple[Any, str] | None = None,
    compare: dict[str, list[CompareRow]] | None = None,
    stale_segment: Segment | None = None,
    status: int = 200,
) -> Response:
    """The settings page; `compare` holds, by section, a stale edit's two versions."""
    members = list(workspaces.members(session=session, ctx=ctx))
    members_pager = Pager(total=len(members), offset=offset_param(request, "members_offset"))
    segments_offset = offset_param(request, "segments_offset")
    segments, segments_total = research_repository.segments_page(
        session, ctx, offset=segments_offset, limit=PAGE_SIZE
    )
    segments_pager = Pager(total=segments_total, offset=segments_offset)
    tokens = personal_tokens(session=session, user_id=ctx.user_id)
    pending = invitations.pending(session=session, ctx=ctx) if ctx.can(Role.admin) else []
    invitations_pager = Pager(
        total=len(pending), offset=offset_param(request, "invitations_offset")
    )
    deleted_segment = None
    raw = request.query_params.get("segment_deleted", "")
    if (segment_id := whole_number(raw)) is not None:
        row = get_row(session, Segment, ctx, segment_id, include_deleted=True)
        deleted_segment = row if row.deleted_at else None
    context: dict[str, Any] = {
        "ctx": ctx,
        "nav": "settings",
        "members": members[members_pager.offset : members_pager.offset + PAGE_SIZE],
        "members_pager": members_pager,
        "segments": segments,
        "segments_pager": segments_pager,
        "tokens": tokens,
        "new_token": new_token,
        "invitation_sent": invitation_sent,
        "invitations": pending[invitations_pager.offset : invitations_pager.offset + PAGE_SIZE],
        "invitations_pager": invitations_pager,
        "former_members": workspaces.former_members(session=session, ctx=ctx),
        "now": utcnow(),
        "share_created": share_created,
        "share_links": sharing.live_links(session=session, ctx=ctx),
        "shareable": sharing.shareable(session=session, ctx=ctx) if ctx.can(Role.decider) else [],
        "is_decider": ctx.can(Role.decider),
        "deleted_segment": deleted_segment,
        "roles": list(Role),
        "errors": errors or {},
        "values": values or {},
        "is_admin": ctx.can(Role.admin),
        "workspace": ctx.workspace,
        "compare": compare or {},
        "stale_segment": stale_segment,
    }
    return render(request, "workspaces/index.html", context, status=status)


settings_page_response = _settings_page


def _back(request: Request, ctx: WorkspaceContext, anchor: str, query: str = "") -> Response:
    return hx_redirect(request, f"/w/{ctx.workspace.slug}/settings{query}#{anchor}")


@router.get("/w/{ws}/settings")
def settings_page(request: Request, ctx: WorkspaceDep, session: SessionDep) -> Response:
    return _settings_page(request, session, ctx)


# ---- members ---------------------------------------------------------------------------------


@router.post("/w/{ws}/settings/invitations")
def invite(request: Request, ctx: AdminDep, session: SessionDep, form: FormDep) -> Response:
    """Invite an email with a role; the answer is the same whether or not it has an account."""
    values = values_of(form)
    settings = request.app.state.settings
    try:
        payload = InvitationCreate.model_validate(
            {"email": values.get("invite_email", ""), "role": values.get("invite_role") or "viewer"}
        )
        invitation, token = invitations.invite(
            session=session, ctx=ctx, email=payload.email, role=payload.role, settings=settings
        )
    except ValidationError as exc:
        errors = validation_errors(exc, lambda f: f"invite_{f}")
        if "invite_email" in errors:
            errors["invite_email"] = "Enter an email address, like name@example.com."
    except AppError as exc:
        errors = {"invite_email": exc.message}
    else:
        sent = invitations.send_invitation(
            session=session,
            settings=settings,
            ctx=ctx,
            invitation=invitation,
            link=public_url(request, invitations.invitation_path(token)),
        )
        return _settings_page(request, session, ctx, invitation_sent=sent)
    raise FormError(_settings_page(request, session, ctx, errors=errors, values=values, status=422))


@router.post("/w/{ws}/settings/invitations/{invitation_id}/resend")
def resend_invitation(
    request: Request, ctx: AdminDep, session: SessionDep, invitation_id: Id
) -> Response:
    settings = request.app.state.settings
    invitation, token = invitations.resend(
        session=session, ctx=ctx, invitation_id=invitation_id, settings=settings
    )
    sent = invitations.send_invitation(
        session=session,
        settings=settings,
        ctx=ctx,
        invitation=invitation,
        link=public_url(request, invitations.invitation_path(token)),
    )
    return _settings_page(request, session, ctx, invitation_sent=sent)


@router.post("/w/{ws}/settings/invitations/{invitation_id}/revoke")
def revoke_invitation(
    request: Request, ctx: AdminDep, session: SessionDep, invitation_id: Id
) -> Response:
    invitations.revoke(session=session, ctx=ctx, invitation_id=invitation_id)
    return _back(request, ctx, "invitations")


@router.post("/w/{ws}/settings/signup")
def update_signup(request: Request, ctx: AdminDep, session: SessionDep, form: FormDep) -> Response:
    """Let people with an email at one domain join without an invitation, or stop it."""
    values = values_of(form)
    try:
        payload = SignupSettingsUpdate.model_validate(
            {
                "version": values.get("version"),
                "signup_domain": values.get("signup_domain", ""),
                "signup_role": values.get("signup_role") or "viewer",
            }
        )
        workspaces.update_signup_settings(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors, status = validation_errors(exc), 422
    except AppError as exc:
        errors, status = app_errors(exc), exc.status
        errors.setdefault("signup_domain", errors.pop("", exc.message))
    else:
        return _back(request, ctx, "invitations")
    raise FormError(
        _settings_page(request, session, ctx, errors=errors, values=values, status=status)
    )


@router.post("/w/{ws}/settings/members/{user_id}/role")
def change_role(
    request: Request, ctx: AdminDep, session: SessionDep, user_id: Id, form: FormDep
) -> Response:
    values = values_of(form)
    role, version = values.get("role", ""), values.get("version", "")
    if role not in Role.__members__:
        raise InvalidInput("role: choose one of viewer, contributor, decider, admin.")
    if not version.isdigit():
        raise InvalidInput("version: reload the page, then change the role again.")
    try:
        membership, user = workspaces.change_role(
            session=session, ctx=ctx, user_id=user_id, role=Role(role), version=int(version)
        )
    except AppError as exc:
        if not is_htmx(request):
            raise
        # Refused in place: the row comes back showing the role it still has, and why.
        membership, user = workspaces.member_of(session, ctx, user_id)
        context = {"ctx": ctx, "membership": membership, "user": user, "roles": list(Role)}
        return render(
            request, "workspaces/_member_row.html", context | {"is_admin": True, "refused": exc}
        )
    if is_htmx(request):
        # Changed in place: the row comes back with the new version and says so.
        context = {"ctx": ctx, "membership": membership, "user": user, "roles": list(Role)}
        return render(
            request, "workspaces/_member_row.html", context | {"is_admin": True, "saved": True}
        )
    return _back(request, ctx, "members")


@router.post("/w/{ws}/settings/members/{user_id}/remove")
def remove_member(request: Request, ctx: AdminDep, session: SessionDep, user_id: Id) -> Response:
    workspaces.remove_member(session=session, ctx=ctx, user_id=user_id)
    return _back(request, ctx, "members")


# ---- segments --------------------------------------------------------------------------------


def _number(value: Any, unit: str = "") -> str:
    """A typed or saved number as a person reads it: 55, 20 %, or "none" when blank."""
    if value is None or value == "":
        return "none"
    return f"{float(value):g}{unit}"


SEGMENT_FIELDS: list[ShownField] = [("size", "Size (accounts or customers)", _number)]


def _size(raw: str) -> int | None:
    return int(raw) if raw else None


@router.post("/w/{ws}/settings/segments")
def add_segment(request: Request, ctx: AdminDep, session: SessionDep, form: FormDep) -> Response:
    values = values_of(form)
    try:
        payload = SegmentCreate.model_validate(
            {
                "name": values.get("segment_name", ""),
                "description": values.get("segment_description", ""),
                "size": values.get("segment_size") or None,
            }
        )
    except ValidationError as exc:
        errors = validation_errors(exc, lambda f: "segment_" + f)
        raise FormError(
            _settings_page(request, session, ctx, errors=errors, values=values, status=422)
        ) from None
    create_segment(session=session, ctx=ctx, payload=payload)
    return _back(request, ctx, "segments")


@router.post("/w/{ws}/settings/segments/{segment_id}")
def update_segment(
    request: Request, ctx: AdminDep, session: SessionDep, segment_id: Id, form: FormDep
) -> Response:
    values = values_of(form)
    segment = get_for_update(session, Segment, ctx, segment_id)
    try:
        payload = SegmentUpdate.model_validate(
            {
                "version": values.get("version"),
                "name": values.get("name") or segment.name,
                "size": values.get("size") or None,
            }
        )
    except ValidationError as exc:
        message = "; ".join(f"{k}: {v}" for k, v in validation_errors(exc).items())
        raise InvalidInput(message) from None
    changes = payload.model_dump(exclude={"version", "description"})
    try:
        update_row(
            session, ctx, segment, changes, version=payload.version, current=lambda: segment.name
        )
    except Conflict as exc:
        # Keep the typed size beside the saved one; saving again applies it on purpose.
        compare = {"segments": compare_rows(SEGMENT_FIELDS, values, {"size": segment.size})}
        values["version"] = str(segment.version)
        errors = {"segments": stale_message("this segment")}
        page = _settings_page(
            request,
            session,
            ctx,
            errors=errors,
            values=values,
            compare=compare,
            stale_segment=segment,
            status=exc.status,
        )
        raise FormError(page) from exc
    return _back(request, ctx, "segments")


@router.post("/w/{ws}/settings/segments/{segment_id}/delete")
def delete_segment(
    request: Request, ctx: AdminDep, session: SessionDep, segment_id: Id
) -> Response:
    soft_delete(session, ctx, get_for_update(session, Segment, ctx, segment_id))
    return _back(request, ctx, "segments", f"?segment_deleted={segment_id}")


@router.post("/w/{ws}/settings/segments/{segment_id}/restore")
def restore_segment(
    request: Request, ctx: AdminDep, session: SessionDep, segment_id: Id
) -> Response:
    restore(session, ctx, get_row(session, Segment, ctx, segment_id, include_deleted=True))
    return _back(request, ctx, "segments")


# ---- scoring thresholds ----------------------------------------------------------------------

THRESHOLD_FIELDS: list[ShownField] = [
    ("pain_threshold", "Pain depth at least", _number),
    ("reach_threshold", "Reach at least", lambda value: _number(value, " %")),
    ("feasibility_threshold", "Feasibility at least", _number),
    ("min_participants", "Participants needed", _number),
]


@router.post("/w/{ws}/settings/scoring")
def update_scoring(request: Request, ctx: AdminDep, session: SessionDep, form: FormDep) -> Response:
    values = values_of(form)
    keys = ("pain_threshold", "reach_threshold", "feasibility_threshold", "min_participants")
    status = 422
    compare = None
    try:
        payload = ScoringSettingsUpdate.model_validate(
            {"version": values.get("version")} | {k: values.get(k) or None for k in keys}
        )
        update_scoring_settings(session=session, ctx=ctx, payload=payload)
    except ValidationError as exc:
        errors = validation_errors(exc)
    except AppError as exc:
        # A stale version is a 409: the form comes back with the thresholds' new version, the
        # typed values beside the saved ones.
        errors, status = app_errors(exc), exc.status
        errors.setdefault("scoring", errors.pop("", exc.message))
        if exc.code == "stale_version":
            errors["scoring"] = stale_message("this workspace's thresholds", "them")
            saved = (exc.details or {}).get("current") or {}
            compare = {"scoring": compare_rows(THRESHOLD_FIELDS, values, saved)}
    else:
        return _back(request, ctx, "scoring")
    raise FormError(
        _settings_page(
            request, session, ctx, errors=errors, values=values, compare=compare, status=status
        )
    )


# ---- personal API tokens ---------------------------------------------------------------------


@router.post("/w/{ws}/settings/tokens")
def create_token(
    request: Request, ctx: WorkspaceDep, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    """Create a personal token and show it this once; only its hash is kept."""
    values = values_of(form)
    try:
        payload = TokenCreate(name=values.get("token_name", ""))
    except ValidationError:
        errors = {"token_name": "Name the token after where it will be used."}
        raise FormError(
            _settings_page(request, session, ctx, errors=errors, values=values, status=422)
        ) from None
    _, token = issue_token(
        session=session, user=user, name=payload.name, kind="personal", lifetime=None
    )
    return _settings_page(request, session, ctx, new_token=token)


@router.post("/w/{ws}/settings/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, ctx: WorkspaceDep, user: CurrentUser, session: SessionDep, token_id: Id
) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(f"No token {token_id}.")
    row.revoked_at = utcnow()
    session.add(row)
    return _back(request, ctx, "tokens")

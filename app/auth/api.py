"""JSON routes of sign-in, the current user and personal API tokens."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ValidationError
from sqlmodel import col, select

from app.auth.deps import CurrentUser, client_address
from app.auth.models import (
    AccessToken,
    ApiToken,
    ResetConfirm,
    ResetRequest,
    ResetRequested,
    TokenCreate,
    TokenCreated,
    TokenRead,
    User,
)
from app.auth.pages import send_reset_mail
from app.auth.service import (
    SignInLimits,
    attempt_sign_in,
    issue_token,
    open_reset,
    request_password_reset,
    reset_password,
)
from app.db import SessionDep, utcnow
from app.errors import InvalidInput, NotAuthenticated, NotFound, app_error_response
from app.validation import Id
from app.web import validation_errors
from app.workspaces import invitations
from app.workspaces.models import InvitationAccept, MeRead, WorkspaceWithRole
from app.workspaces.service import workspaces_of

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=AccessToken,
    summary="Sign in (OAuth2 password flow)",
    responses={
        429: {
            "description": "Too many failed sign-ins for the account or from the address; "
            "retry after the seconds in the Retry-After header."
        }
    },
)
def sign_in(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Any:
    settings = request.app.state.settings
    try:
        user = attempt_sign_in(
            session=session,
            email=form.username,
            password=form.password,
            address=client_address(request),
            limits=SignInLimits.of(settings),
        )
    except NotAuthenticated as exc:
        # The failure is counted in this transaction: answered, not raised, so it is kept.
        return app_error_response(request, exc)
    return _session_token(session, user, settings.session_days)


@router.get("/me", response_model=MeRead, summary="You and your workspaces")
def me(user: CurrentUser, session: SessionDep) -> Any:
    return MeRead(
        id=user.id or 0,
        email=user.email,
        name=user.name,
        workspaces=[
            WorkspaceWithRole.model_validate(ws.model_dump() | {"role": role})
            for ws, role in workspaces_of(session=session, user=user)
        ],
    )


@router.get("/tokens", response_model=list[TokenRead], summary="Your personal API tokens")
def list_tokens(user: CurrentUser, session: SessionDep) -> Any:
    return session.exec(
        select(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.kind == "personal",
            col(ApiToken.revoked_at).is_(None),
        )
        .order_by(col(ApiToken.id))
    ).all()


@router.post(
    "/tokens", response_model=TokenCreated, status_code=201, summary="Create a personal API token"
)
def create_token(user: CurrentUser, session: SessionDep, payload: TokenCreate) -> Any:
    row, token = issue_token(
        session=session, user=user, name=payload.name, kind="personal", lifetime=None
    )
    return TokenCreated.model_validate(row.model_dump() | {"token": token})


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a personal API token")
def revoke_token(user: CurrentUser, session: SessionDep, token_id: Id) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(f"No token {token_id}.")
    row.revoked_at = utcnow()
    session.add(row)
    return Response(status_code=204)


@router.post(
    "/auth/invitations/accept",
    response_model=AccessToken,
    summary="Accept an invitation: with a new account, or the password of the existing one",
)
def accept_invitation(request: Request, session: SessionDep, payload: InvitationAccept) -> Any:
    settings = request.app.state.settings
    invitation = invitations.open_invitation(
        session=session, settings=settings, token=payload.token
    )
    try:
        user = invitations.accepting_account(
            session=session,
            invitation=invitation,
            name=payload.name,
            password=payload.password,
            address=client_address(request),
            limits=SignInLimits.of(settings),
        )
    except NotAuthenticated as exc:
        return app_error_response(request, exc)  # the failure is counted and kept
    except ValidationError as exc:
        errors = validation_errors(exc)
        raise InvalidInput(
            "; ".join(f"{field}: {message}" for field, message in errors.items()),
            details=[{"field": field, "message": message} for field, message in errors.items()],
        ) from None
    invitations.accept(session=session, invitation=invitation, user=user)
    return _session_token(session, user, settings.session_days)


def _session_token(session: SessionDep, user: User, days: int) -> AccessToken:
    _, token = issue_token(
        session=session, user=user, name="sign-in", kind="session", lifetime=timedelta(days=days)
    )
    return AccessToken(access_token=token)


@router.post(
    "/auth/password-reset",
    response_model=ResetRequested,
    status_code=202,
    summary="Ask for a password-reset link by email",
    description="The answer is the same whether or not the email has an account. Throttled "
    "per email and per address like sign-in (429).",
)
def request_reset(request: Request, session: SessionDep, payload: ResetRequest) -> Any:
    settings = request.app.state.settings
    _, token = request_password_reset(
        session=session,
        settings=settings,
        email=payload.email,
        address=client_address(request),
    )
    delivery = send_reset_mail(settings=settings, email=payload.email, token=token, request=request)
    return ResetRequested(
        message=f"If an Evident account uses {payload.email}, a link to reset its password was "
        "sent to it.",
        emailed=delivery.sent,
        mail_error=delivery.error,
    )


@router.post(
    "/auth/password-reset/confirm",
    response_model=AccessToken,
    summary="Set a new password with a reset link's token; every other session is signed out",
)
def confirm_reset(request: Request, session: SessionDep, payload: ResetConfirm) -> Any:
    settings = request.app.state.settings
    reset = open_reset(session=session, settings=settings, token=payload.token)
    user = reset_password(session=session, reset=reset, password=payload.password)
    return _session_token(session, user, settings.session_days)

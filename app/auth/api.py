"""JSON routes of sign-in, the current user and personal API tokens."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from app.auth.deps import CurrentUser, client_address
from app.auth.models import AccessToken, ApiToken, TokenCreate, TokenCreated, TokenRead
from app.auth.service import SignInLimits, attempt_sign_in, issue_token
from app.db import SessionDep, utcnow
from app.errors import NotAuthenticated, NotFound, app_error_response
from app.validation import Id
from app.workspaces.models import MeRead, WorkspaceWithRole
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
    days = settings.session_days
    _, token = issue_token(
        session=session, user=user, name="sign-in", kind="session", lifetime=timedelta(days=days)
    )
    return AccessToken(access_token=token)


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

"""Who is asking: a bearer token (API, CLI) or the session cookie (web UI)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.models import User
from app.auth.service import user_for_token
from app.db import SessionDep
from app.errors import NotAuthenticated
from app.web import SESSION_COOKIE, check_csrf

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def current_user(
    request: Request, session: SessionDep, bearer: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The signed-in user, or 401."""
    token = bearer or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Sign in first: send a bearer token or the session cookie.")
    user = user_for_token(session=session, token=token)
    if user is None:
        raise NotAuthenticated("Your token is invalid, expired or revoked; sign in again.")
    if bearer is None:
        # Cookie-authenticated writes must prove they come from our own pages.
        check_csrf(request, token)
    request.state.user = user
    return user


def optional_user(request: Request, session: SessionDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    return user_for_token(session=session, token=token) if token else None


def client_address(request: Request) -> str:
    """The client's IP address, as the server sees it (behind a proxy, the server must be told
    to trust its forwarded-for header, or every client shares the proxy's address)."""
    return request.client.host if request.client else "unknown"


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]

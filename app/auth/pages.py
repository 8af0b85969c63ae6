"""Sign in, sign out, the first run (first admin and workspace) and choosing a workspace."""

import secrets
from datetime import timedelta
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.auth.deps import OptionalUser, client_address
from app.auth.models import User, UserCreate
from app.auth.service import (
    SignInLimits,
    attempt_sign_in,
    create_user,
    has_users,
    issue_token,
    revoke_token,
)
from app.dataio.seed import load_demo
from app.db import SessionDep
from app.errors import AppError, FormError, NotAuthenticated, TooManyRequests
from app.web import (
    ANON_COOKIE,
    SESSION_COOKIE,
    FormDep,
    app_errors,
    check_anonymous_csrf,
    check_csrf,
    page_router,
    render,
    validation_errors,
    values_of,
)
from app.workspaces.models import WorkspaceCreate
from app.workspaces.service import create_workspace, workspaces_of

router = page_router()


def safe_next(target: str | None) -> str:
    """Only a path of this site, so a link cannot send people elsewhere after sign-in.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so a "next" of
    "/%09/evil.example" (a tab) would leave the site: such characters, before or after
    percent-decoding, send people home instead.
    """
    if not target or not target.isascii():  # it goes into the Location header as it is
        return "/"
    for form in (target, unquote(target)):
        if (
            not form.startswith("/")
            or "//" in form
            or "\\" in form
            or any(char.isspace() or not char.isprintable() for char in form)
        ):
            return "/"
    return target


def _anonymous_form(request: Request, template: str, context: dict, status: int = 200) -> Response:
    """A form shown before sign-in, with the cookie its CSRF token is bound to."""
    anon = request.cookies.get(ANON_COOKIE)
    if not anon:
        anon = secrets.token_urlsafe(24)
        request.state.anon_csrf = anon
    response = render(request, template, context, status=status)
    if not request.cookies.get(ANON_COOKIE):
        response.set_cookie(
            ANON_COOKIE, anon, httponly=True, samesite="lax", secure=_secure(request)
        )
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.app.state.settings.mode == "production"


def _signed_in(request: Request, session: Session, user: User, target: str) -> Response:
    """Issue a session token, set it as the cookie, and go on."""
    days = request.app.state.settings.session_days
    _, token = issue_token(
        session=session,
        user=user,
        name="web sign-in",
        kind="session",
        lifetime=timedelta(days=days),
    )
    response = Response(status_code=303, headers={"Location": target})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(ANON_COOKIE)
    return response


@router.get("/")
def home(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if not has_users(session=session):
        return _anonymous_form(request, "auth/first_run.html", {"values": {}, "errors": {}})
    if user is None:
        return Response(status_code=303, headers={"Location": "/signin"})
    workspaces = workspaces_of(session=session, user=user)
    if len(workspaces) == 1:
        return Response(status_code=303, headers={"Location": f"/w/{workspaces[0][0].slug}"})
    request.state.user = user
    return render(
        request, "auth/workspaces.html", {"workspaces": workspaces, "values": {}, "errors": {}}
    )


@router.post("/")
def first_run(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Create the first admin and their workspace; only while the database has no user."""
    check_anonymous_csrf(request)
    if has_users(session=session):
        return Response(status_code=303, headers={"Location": "/signin"})
    values = values_of(form)
    errors: dict[str, str] = {}
    try:
        account = UserCreate(
            email=values.get("email", ""),
            password=form.get("password") or "",  # type: ignore[arg-type]
            name=values.get("name", ""),
        )
    except ValidationError as exc:
        errors |= validation_errors(exc)
    try:
        space = WorkspaceCreate(slug=values.get("slug", ""), name=values.get("workspace", ""))
    except ValidationError as exc:
        errors |= validation_errors(exc, lambda f: "workspace" if f == "name" else f)
    if errors:
        raise FormError(
            _anonymous_form(
                request, "auth/first_run.html", {"values": values, "errors": errors}, 422
            )
        )
    user = create_user(
        session=session, email=account.email, password=account.password, name=account.name
    )
    create_workspace(session=session, user=user, payload=space)
    if values.get("demo"):
        # A fictional company's research to look around in, beside the team's own workspace.
        demo = load_demo(session, user, slug="demo" if space.slug != "demo" else "demo-example")
        return _signed_in(request, session, user, f"/w/{demo.slug}")
    return _signed_in(request, session, user, f"/w/{space.slug}")


@router.get("/signin")
def signin_form(request: Request, session: SessionDep) -> Response:
    if not has_users(session=session):
        return Response(status_code=303, headers={"Location": "/"})
    context = {"values": {"next": safe_next(request.query_params.get("next"))}, "errors": {}}
    return _anonymous_form(request, "auth/signin.html", context)


@router.post("/signin")
def signin(request: Request, session: SessionDep, form: FormDep) -> Response:
    check_anonymous_csrf(request)
    values = values_of(form)
    target = safe_next(str(form.get("next") or ""))  # as sent, not stripped
    try:
        user = attempt_sign_in(
            session=session,
            email=values.get("email", ""),
            password=str(form.get("password") or ""),
            address=client_address(request),
            limits=SignInLimits.of(request.app.state.settings),
        )
    except (NotAuthenticated, TooManyRequests) as exc:
        # Answered, not raised: a failed attempt is counted in this transaction and kept.
        context = {"values": values | {"next": target}}
        context["errors"] = {"": exc.message}
        response = _anonymous_form(request, "auth/signin.html", context, exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers.update(exc.headers)
        return response
    return _signed_in(request, session, user, target)


@router.post("/signout")
def signout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        check_csrf(request, token)
        revoke_token(session=session, token=token)
    response = Response(status_code=303, headers={"Location": "/signin"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/workspaces")
def new_workspace(
    request: Request, session: SessionDep, user: OptionalUser, form: FormDep
) -> Response:
    """Create another workspace (anyone signed in); they become its admin."""
    if user is None:
        raise NotAuthenticated("Sign in first.")
    token = request.cookies.get(SESSION_COOKIE) or ""
    check_csrf(request, token)
    request.state.user = user
    values = values_of(form)
    try:
        space = WorkspaceCreate(slug=values.get("slug", ""), name=values.get("workspace", ""))
        create_workspace(session=session, user=user, payload=space)
    except ValidationError as exc:
        errors = validation_errors(exc, lambda f: "workspace" if f == "name" else f)
    except AppError as exc:
        errors = app_errors(exc, lambda f: f)
    else:
        return Response(status_code=303, headers={"Location": f"/w/{space.slug}"})
    workspaces = workspaces_of(session=session, user=user)
    context = {"workspaces": workspaces, "values": values, "errors": errors}
    raise FormError(render(request, "auth/workspaces.html", context, status=422))

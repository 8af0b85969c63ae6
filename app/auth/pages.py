"""Sign in, sign out, the first run (first admin and workspace) and choosing a workspace."""

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session, select

from app.auth import oidc
from app.auth.deps import OptionalUser, client_address
from app.auth.models import ResetRequest, User, UserCreate
from app.auth.service import (
    SignInLimits,
    attempt_sign_in,
    count_mail_request,
    create_user,
    has_users,
    issue_token,
    open_reset,
    request_password_reset,
    reset_password,
    reset_path,
    revoke_token,
)
from app.config import Settings
from app.dataio.seed import load_demo
from app.db import SessionDep
from app.errors import AppError, FormError, NotAuthenticated, NotFound, TooManyRequests
from app.kit.mail import Delivery, send_mail
from app.web import (
    ANON_COOKIE,
    SESSION_COOKIE,
    FormDep,
    app_errors,
    check_anonymous_csrf,
    check_csrf,
    page_router,
    public_url,
    render,
    validation_errors,
    values_of,
)
from app.workspaces import invitations
from app.workspaces.models import Workspace, WorkspaceCreate
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


def anonymous_form(request: Request, template: str, context: dict, status: int = 200) -> Response:
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


def signed_in(request: Request, session: Session, user: User, target: str) -> Response:
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
        return anonymous_form(request, "auth/first_run.html", {"values": {}, "errors": {}})
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
            anonymous_form(
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
        return signed_in(request, session, user, f"/w/{demo.slug}")
    return signed_in(request, session, user, f"/w/{space.slug}")


@router.get("/signin")
def signin_form(request: Request, session: SessionDep) -> Response:
    if not has_users(session=session):
        return Response(status_code=303, headers={"Location": "/"})
    context = {"values": {"next": safe_next(request.query_params.get("next"))}, "errors": {}}
    return anonymous_form(request, "auth/signin.html", context)


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
        response = anonymous_form(request, "auth/signin.html", context, exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers.update(exc.headers)
        return response
    return signed_in(request, session, user, target)


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


def check_page_csrf(request: Request) -> None:
    """A form shown to anyone, signed in or not: its token is bound to what the page used."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        check_csrf(request, token)
    else:
        check_anonymous_csrf(request)


# ---- forgotten password ----------------------------------------------------------------------


@router.get("/forgot")
def forgot_form(request: Request) -> Response:
    return anonymous_form(request, "auth/forgot.html", {"values": {}, "errors": {}})


def _email_of(request: Request, values: dict[str, Any], template: str) -> str:
    """The form's email address, or the form again saying what one looks like."""
    try:
        return ResetRequest(email=values.get("email", "")).email
    except ValidationError:
        errors = {"email": "Enter an email address, like name@example.com."}
        raise FormError(
            anonymous_form(request, template, {"values": values, "errors": errors}, 422)
        ) from None


@router.post("/forgot")
def forgot(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Send a reset link; the answer is the same whether or not the email has an account."""
    check_anonymous_csrf(request)
    settings = request.app.state.settings
    values = values_of(form)
    email = _email_of(request, values, "auth/forgot.html")
    try:
        _, token = request_password_reset(
            session=session, settings=settings, email=email, address=client_address(request)
        )
    except TooManyRequests as exc:
        held = {"values": values, "errors": {"": exc.message}}
        response = anonymous_form(request, "auth/forgot.html", held, exc.status)
        response.headers.update(exc.headers)
        return response
    delivery = send_reset_mail(settings=settings, email=email, token=token, request=request)
    context: dict[str, Any] = {
        "values": values,
        "errors": {},
        "sent_to": email,
        "delivery": delivery,
    }
    return anonymous_form(request, "auth/forgot.html", context)


def send_reset_mail(
    *, settings: Settings, email: str, token: str | None, request: Request
) -> Delivery:
    """Mail the reset link, or, for an email with no account, say so to that address: both
    cases send one message, so neither the answer nor a mail failure tells them apart."""
    if token:
        link = public_url(request, reset_path(token))
        body = (
            "Someone (we hope you) asked to reset the password of your Evident account.\n\n"
            f"Choose a new password here:\n{link}\n\n"
            f"The link works once, for {settings.reset_minutes} minutes. Setting a new password "
            "signs you out everywhere else. If you did not ask, ignore this message.\n"
        )
    else:
        link = public_url(request, "/forgot")
        body = (
            "Someone (we hope you) asked to reset an Evident password for this address, but no "
            "Evident account uses it. If you expected one, ask your team's admin for an "
            "invitation. If you did not ask, ignore this message.\n"
        )
    return send_mail(
        settings=settings, to=email, subject="Reset your Evident password", body=body, link=link
    )


@router.get("/reset/{token}")
def reset_form(request: Request, session: SessionDep, token: str) -> Response:
    open_reset(session=session, settings=request.app.state.settings, token=token)
    context = {"token": token, "errors": {}, "noindex": True}
    return anonymous_form(request, "auth/reset.html", context)


@router.post("/reset/{token}")
def reset(request: Request, session: SessionDep, token: str, form: FormDep) -> Response:
    """Set the new password, sign out every other session, and sign in here."""
    check_anonymous_csrf(request)
    reset_row = open_reset(session=session, settings=request.app.state.settings, token=token)
    try:
        user = reset_password(
            session=session, reset=reset_row, password=str(form.get("password") or "")
        )
    except AppError as exc:
        context = {"token": token, "errors": app_errors(exc)}
        raise FormError(anonymous_form(request, "auth/reset.html", context, 422)) from None
    return signed_in(request, session, user, "/")


# ---- invitations -----------------------------------------------------------------------------


ROLE_WORDS = {
    "viewer": "you will read the research, scorecards and decisions.",
    "contributor": "you will log interviews, evidence and tests.",
    "decider": "you will log research and record decisions.",
    "admin": "you will also manage the workspace and its members.",
}


def _invitation_page(
    request: Request,
    session: Session,
    token: str,
    user: User | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    settings = request.app.state.settings
    invitation = invitations.open_invitation(session=session, settings=settings, token=token)
    account = session.exec(select(User).where(User.email == invitation.email)).first()
    if user is not None:
        request.state.user = user
        mode = "join" if user.email == invitation.email else "other_user"
    else:
        mode = "sign_in" if account else "new_account"
    context = {
        "invitation": invitation,
        "workspace": session.get(Workspace, invitation.workspace_id),
        "inviter": session.get(User, invitation.invited_by) if invitation.invited_by else None,
        "mode": mode,
        "role_words": ROLE_WORDS,
        "noindex": True,
        "token": token,
        "values": values or {},
        "errors": errors or {},
    }
    return anonymous_form(request, "auth/invitation.html", context, status)


@router.get("/invitations/{token}")
def invitation_page(
    request: Request, session: SessionDep, user: OptionalUser, token: str
) -> Response:
    return _invitation_page(request, session, token, user)


@router.post("/invitations/{token}")
def accept_invitation(
    request: Request, session: SessionDep, user: OptionalUser, token: str, form: FormDep
) -> Response:
    """Join: as the signed-in user, with the account's password, or with a new account."""
    check_page_csrf(request)
    settings = request.app.state.settings
    invitation = invitations.open_invitation(session=session, settings=settings, token=token)
    values = values_of(form)
    already_signed_in = user is not None
    if user is None:
        try:
            user = invitations.accepting_account(
                session=session,
                invitation=invitation,
                name=values.get("name", ""),
                password=str(form.get("password") or ""),
                address=client_address(request),
                limits=SignInLimits.of(settings),
            )
        except (NotAuthenticated, TooManyRequests) as exc:
            # Answered, not raised: the failed attempt is counted and kept.
            return _invitation_page(
                request, session, token, None, errors={"": exc.message}, status=exc.status
            )
        except ValidationError as exc:
            errors = validation_errors(exc)
            page = _invitation_page(
                request, session, token, None, values=values, errors=errors, status=422
            )
            raise FormError(page) from None
    workspace = invitations.accept(session=session, invitation=invitation, user=user)
    target = f"/w/{workspace.slug}"
    if already_signed_in:
        return Response(status_code=303, headers={"Location": target})
    return signed_in(request, session, user, target)


# ---- sign-up by email domain -----------------------------------------------------------------


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return anonymous_form(request, "auth/signup.html", {"values": {}, "errors": {}})


@router.post("/signup")
def signup(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Email a sign-up link when a workspace allows the email's domain; the answer does not
    say whether the email already has an account."""
    check_anonymous_csrf(request)
    settings = request.app.state.settings
    values = values_of(form)
    email = _email_of(request, values, "auth/signup.html")
    if not invitations.open_workspaces(session=session, email=email):
        domain = invitations.email_domain(email)
        errors = {
            "email": f"Sign-up is by invitation for {domain} addresses: ask an admin of your "
            "team's workspace to invite you."
        }
        refused = {"values": values, "errors": errors}
        raise FormError(anonymous_form(request, "auth/signup.html", refused, 422))
    try:
        count_mail_request(
            session=session,
            settings=settings,
            kind="signup",
            email=email,
            address=client_address(request),
        )
    except TooManyRequests as exc:
        held = {"values": values, "errors": {"": exc.message}}
        response = anonymous_form(request, "auth/signup.html", held, exc.status)
        response.headers.update(exc.headers)
        return response
    made = invitations.request_signup(session=session, settings=settings, email=email)
    if made is None:
        # The email has an account: it hears so, so a mail arrives (or fails) either way.
        delivery = send_mail(
            settings=settings,
            to=email,
            subject="Your Evident account",
            body=(
                "Someone (we hope you) asked to sign up to Evident with this address, which "
                "already has an account. Sign in, or choose a new password if you forgot it:\n"
                f"{public_url(request, '/forgot')}\n\nIf you did not ask, ignore this message.\n"
            ),
            link=public_url(request, "/signin"),
        )
    else:
        invitation, token = made
        workspace = session.get(Workspace, invitation.workspace_id)
        assert workspace is not None
        delivery = invitations.deliver(
            session=session,
            settings=settings,
            invitation=invitation,
            workspace=workspace,
            inviter=None,
            link=public_url(request, invitations.invitation_path(token)),
        )
    context: dict[str, Any] = {
        "values": values,
        "errors": {},
        "sent_to": email,
        "delivery": delivery,
    }
    return anonymous_form(request, "auth/signup.html", context)


# ---- single sign-on --------------------------------------------------------------------------


def _sso_callback_url(request: Request) -> str:
    return public_url(request, "/signin/sso/callback")


def _sso_refused(request: Request, exc: NotAuthenticated) -> Response:
    """The sign-in page again, saying why single sign-on did not work."""
    context = {"values": {"next": "/"}, "errors": {"": exc.message}}
    response = anonymous_form(request, "auth/signin.html", context, exc.status)
    response.delete_cookie(oidc.FLOW_COOKIE, path="/signin/sso")
    return response


@router.get("/signin/sso")
def sso_start(request: Request) -> Response:
    """Off to the provider; a signed cookie remembers the attempt (state, nonce, PKCE)."""
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        raise NotFound("Single sign-on is not set up on this server.")
    try:
        url, flow = oidc.start(
            settings=settings,
            redirect_uri=_sso_callback_url(request),
            next_path=safe_next(request.query_params.get("next")),
        )
    except NotAuthenticated as exc:  # the provider is down or misconfigured: say so here
        return _sso_refused(request, exc)
    response = Response(status_code=303, headers={"Location": url})
    response.set_cookie(
        oidc.FLOW_COOKIE,
        flow,
        max_age=600,
        httponly=True,
        samesite="lax",  # it must come back on the provider's redirect
        secure=_secure(request),
        path="/signin/sso",
    )
    return response


@router.get("/signin/sso/callback")
def sso_callback(request: Request, session: SessionDep) -> Response:
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        raise NotFound("Single sign-on is not set up on this server.")
    try:
        claims, target = oidc.finish(
            settings=settings,
            redirect_uri=_sso_callback_url(request),
            cookie=request.cookies.get(oidc.FLOW_COOKIE),
            params=dict(request.query_params),
        )
        user = invitations.single_sign_on_account(session=session, claims=claims)
    except NotAuthenticated as exc:
        return _sso_refused(request, exc)
    response = signed_in(request, session, user, safe_next(target))
    response.delete_cookie(oidc.FLOW_COOKIE, path="/signin/sso")
    return response

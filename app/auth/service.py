"""Passwords (argon2), tokens (random, stored as SHA-256 hashes) and the limits on failed
sign-ins."""

import functools
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import text
from sqlmodel import Session, col, delete, select, update

from app.auth.links import new_link_token, verified_link_hash
from app.auth.models import ApiToken, PasswordReset, SignInFailure, User
from app.auth.passwords import password_weakness
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, TooManyRequests

password_hash = PasswordHash.recommended()
TOKEN_PREFIX = "evd_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(*, session: Session, email: str, password: str, name: str = "") -> User:
    """Create a user with an argon2-hashed password that is hard to guess."""
    email = normalise_email(email)
    if weakness := password_weakness(password, user_inputs=[email, name]):
        raise InvalidInput(
            f"password: {weakness}", details=[{"field": "password", "message": weakness}]
        )
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict(f"A user with the email {email} already exists.", code="email_taken")
    user = User(
        email=email, name=name or email.split("@")[0], password_hash=password_hash.hash(password)
    )
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The user with these credentials, or NotAuthenticated (same message either way)."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        # The same work whether or not the user exists.
        password_hash.verify(password, _dummy_hash(password_hash))
        raise NotAuthenticated("Wrong email or password.")
    valid, new_hash = password_hash.verify_and_update(password, user.password_hash)
    if not valid or not user.is_active:
        raise NotAuthenticated("Wrong email or password.")
    if new_hash:
        user.password_hash = new_hash
    return user


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed per account and per client address within a sliding window."""

    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "SignInLimits":
        return cls(
            per_account=settings.sign_in_failures_per_account,
            per_address=settings.sign_in_failures_per_address,
            window=timedelta(minutes=settings.sign_in_window_minutes),
        )


def attempt_sign_in(
    *,
    session: Session,
    email: str,
    password: str,
    address: str,
    limits: SignInLimits,
    now: datetime | None = None,
) -> User:
    """The user with these credentials, unless too many sign-ins failed lately.

    Once an account or an address has used up its failures, TooManyRequests is raised before
    the password is even checked. A wrong password is recorded as a failure, then
    NotAuthenticated is raised: the caller must answer it without rolling the session back.
    A success clears the account's failures (not the address's: signing in to one's own
    account must not buy more guesses at someone else's).
    """
    now = now or utcnow()
    account = _counter_key("account", normalise_email(email))
    counters = [
        (account, limits.per_account),
        (_counter_key("address", address), limits.per_address),
    ]
    _hold_back(session, counters, limits.window, now, "failed sign-ins for this account")
    try:
        user = authenticate(session=session, email=email, password=password)
    except NotAuthenticated:
        _record_failure(session, [key for key, _ in counters], limits.window, now)
        raise
    session.exec(delete(SignInFailure).where(col(SignInFailure.key_hash) == account[1]))
    return user


def _hold_back(
    session: Session,
    counters: list[tuple[tuple[str, str], int]],
    window: timedelta,
    now: datetime,
    what: str,
) -> None:
    """TooManyRequests when any counter (key, limit) is used up, saying when to try again."""
    _take_turns(session, [key for key, _ in counters])
    wait = max(_seconds_until_allowed(session, key, limit, window, now) for key, limit in counters)
    if wait:
        raise TooManyRequests(
            f"Too many {what} or from your network. Try again in {_in_words(wait)}.",
            retry_after=wait,
        )


def _counter_key(scope: str, value: str) -> tuple[str, str]:
    return scope, hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


def _take_turns(session: Session, keys: list[tuple[str, str]]) -> None:
    """On PostgreSQL, sign-ins to one account (or from one address) wait for each other until
    commit, so parallel guesses cannot all slip under the limit. SQLite's writes already do."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for _, key_hash in sorted(keys, key=lambda key: key[1]):  # one order: no deadlock
        session.exec(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),  # type: ignore[call-overload]
            params={
                "space": _LOCK_SPACE,
                "key": int.from_bytes(bytes.fromhex(key_hash[:8]), signed=True),
            },
        )


def _seconds_until_allowed(
    session: Session, key: tuple[str, str], limit: int, window: timedelta, now: datetime
) -> int:
    """0 while failures are under the limit; else the seconds until enough of them expire."""
    failed = session.exec(
        select(SignInFailure.failed_at)
        .where(SignInFailure.key_hash == key[1], col(SignInFailure.failed_at) > now - window)
        .order_by(col(SignInFailure.failed_at))
    ).all()
    if len(failed) < limit:
        return 0
    allowed_at = failed[len(failed) - limit] + window
    return max(1, math.ceil((allowed_at - now).total_seconds()))


def _record_failure(
    session: Session, keys: list[tuple[str, str]], window: timedelta, now: datetime
) -> None:
    """Count a failure against each key; expired failures are pruned on the way."""
    session.exec(delete(SignInFailure).where(col(SignInFailure.failed_at) <= now - window))
    session.add_all(
        SignInFailure(scope=scope, key_hash=key_hash, failed_at=now) for scope, key_hash in keys
    )
    session.flush()


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def issue_token(
    *, session: Session, user: User, name: str, kind: str, lifetime: timedelta | None
) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and only its hash is kept."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert user.id is not None
    row = ApiToken(
        user_id=user.id,
        name=name,
        kind=kind,
        token_hash=hash_token(plain),
        prefix=plain[:12],
        expires_at=utcnow() + lifetime if lifetime else None,
    )
    session.add(row)
    session.flush()
    return row, plain


def user_for_token(*, session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user a token belongs to, if the token is valid now."""
    now = now or utcnow()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def revoke_token(*, session: Session, token: str) -> None:
    """Revoke a token by its plain value (sign-out)."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


@functools.cache
def _dummy_hash(hasher: PasswordHash) -> str:
    """What an unknown email's password is checked against, made on first use: hashing at
    import would slow every process that imports the app."""
    return hasher.hash("not-a-real-password")


# The first of PostgreSQL's two advisory-lock keys: sign-in counters, apart from other locks.
_LOCK_SPACE = 0x5349474E  # "SIGN"


def has_users(*, session: Session) -> bool:
    """Whether anyone has an account yet (before the first, the home page is the first run)."""
    return session.exec(select(User.id).limit(1)).first() is not None


def personal_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    """A user's live personal API tokens, oldest first (only their hashes are kept)."""
    return list(
        session.exec(
            select(ApiToken)
            .where(
                ApiToken.user_id == user_id,
                ApiToken.kind == "personal",
                col(ApiToken.revoked_at).is_(None),
            )
            .order_by(col(ApiToken.id))
        ).all()
    )


# ---- password reset --------------------------------------------------------------------------

RESET_PURPOSE = "password-reset"


def reset_path(token: str) -> str:
    return f"/reset/{token}"


def request_password_reset(
    *,
    session: Session,
    settings: Settings,
    email: str,
    address: str,
    now: datetime | None = None,
) -> tuple[User | None, str | None]:
    """A reset link for the account with this email, if there is one: (user, token).

    Requests are throttled like sign-ins, per email and per address, whether or not the email
    has an account, so the answer (and its 429) tells nothing about who has one.
    """
    now = now or utcnow()
    count_mail_request(
        session=session, settings=settings, kind="reset", email=email, address=address, now=now
    )
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.is_active:
        return None, None
    assert user.id is not None
    token, token_hash = new_link_token(settings.secret_key, RESET_PURPOSE)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.reset_minutes),
        )
    )
    session.flush()
    return user, token


def count_mail_request(
    *,
    session: Session,
    settings: Settings,
    kind: str,
    email: str,
    address: str,
    now: datetime | None = None,
) -> None:
    """Count a request that mails a link ("reset", "signup") against its email and address,
    with the sign-in limits; TooManyRequests once either has asked too often lately."""
    now = now or utcnow()
    limits = SignInLimits.of(settings)
    counters = [
        (_counter_key(f"{kind}-account", normalise_email(email)), limits.per_account),
        (_counter_key(f"{kind}-address", address), limits.per_address),
    ]
    _hold_back(session, counters, limits.window, now, "emails asked for this address")
    _record_failure(session, [key for key, _ in counters], limits.window, now)


def open_reset(
    *, session: Session, settings: Settings, token: str, now: datetime | None = None
) -> PasswordReset:
    """The reset of a link that still works; otherwise 404 saying what to do."""
    token_hash = verified_link_hash(settings.secret_key, RESET_PURPOSE, token)
    reset = (
        session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash)).first()
        if token_hash
        else None
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= (now or utcnow()):
        raise NotFound(
            "This password-reset link does not work any more: links work once, for a short "
            "while. Ask for a new one.",
            code="reset_invalid",
        )
    return reset


def reset_password(*, session: Session, reset: PasswordReset, password: str) -> User:
    """Set a new password; the link and every other reset link are used up, and every
    session of the account is signed out (the caller signs this one in afresh)."""
    user = session.get(User, reset.user_id)
    assert user is not None
    if weakness := password_weakness(password, user_inputs=[user.email, user.name]):
        raise InvalidInput(
            f"password: {weakness}", details=[{"field": "password", "message": weakness}]
        )
    now = utcnow()
    user.password_hash = password_hash.hash(password)
    session.exec(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    revoke_sessions(session=session, user_id=reset.user_id, now=now)
    session.flush()
    return user


def revoke_sessions(*, session: Session, user_id: int, now: datetime | None = None) -> None:
    """Sign a user out everywhere (their personal API tokens stay: they revoke those)."""
    session.exec(
        update(ApiToken)
        .where(
            col(ApiToken.user_id) == user_id,
            col(ApiToken.kind) == "session",
            col(ApiToken.revoked_at).is_(None),
        )
        .values(revoked_at=now or utcnow())
    )


def unusable_password_hash() -> str:
    """For accounts made by single sign-on: no password opens them until one is reset."""
    return password_hash.hash(secrets.token_urlsafe(32))

"""Passwords (argon2) and tokens (random, stored as SHA-256 hashes)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlmodel import Session, select

from app.auth.models import ApiToken, User
from app.auth.passwords import password_weakness
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotAuthenticated

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
        password_hash.verify(password, _DUMMY_HASH)  # same work whether or not the user exists
        raise NotAuthenticated("Wrong email or password.")
    valid, new_hash = password_hash.verify_and_update(password, user.password_hash)
    if not valid or not user.is_active:
        raise NotAuthenticated("Wrong email or password.")
    if new_hash:
        user.password_hash = new_hash
    return user


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


_DUMMY_HASH = password_hash.hash("not-a-real-password")

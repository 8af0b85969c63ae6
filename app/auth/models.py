"""Users, their API tokens (personal tokens and sign-in tokens, both stored hashed) and the
failed sign-ins that hold back password guessing."""

from datetime import datetime

from pydantic import EmailStr, ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from app.auth.passwords import password_weakness
from app.db import Timestamped, UTCDateTime
from app.validation import Input


class User(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)


class ApiToken(Timestamped, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    # "personal" tokens are made on purpose and never expire; "session" tokens come from sign-in.
    kind: str = Field(default="personal", max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12, description="First characters, to recognise a token.")
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInFailure(SQLModel, table=True):
    """A failed sign-in, counted against the account tried and the client's address.

    Kept in the database so every worker and host counts the same failures; rows older than
    the window are pruned whenever a failure is recorded.
    """

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16, description='"account" or "address".')
    # A hash, so a mistyped email (or a password typed in the email box) is not kept in plain.
    key_hash: str = Field(max_length=64, index=True)
    failed_at: datetime = Field(sa_type=UTCDateTime, index=True)


class PasswordReset(SQLModel, table=True):
    """A password-reset link: single use, expiring, stored as a hash like API tokens."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserCreate(Input):
    email: EmailStr
    name: str = Field(default="", max_length=200)
    # After email and name, so the strength check can tell a password made of them.
    password: str = Field(min_length=8, max_length=200)

    @field_validator("password")
    @classmethod
    def _hard_to_guess(cls, password: str, info: ValidationInfo) -> str:
        user_inputs = [str(info.data.get(field) or "") for field in ("email", "name")]
        if weakness := password_weakness(password, user_inputs=user_inputs):
            raise ValueError(weakness)
        return password


class UserRead(SQLModel):
    id: int
    email: str
    name: str


class TokenCreate(Input):
    name: str = Field(min_length=1, max_length=200)


class TokenRead(SQLModel):
    id: int
    name: str
    kind: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="Shown once; only its hash is stored.")


class ResetRequest(Input):
    email: EmailStr


class ResetConfirm(Input):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200)


class ResetRequested(SQLModel):
    message: str
    emailed: bool = Field(description="Whether a mail went out (always, with a mail server).")
    mail_error: str | None = None


class AccessToken(SQLModel):
    access_token: str
    token_type: str = "bearer"

"""Settings: the one place the app reads its environment (prefix ``EVIDENT_``).

Every field here is documented in the README; ``tests/test_settings.py`` keeps the two in step.
"""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from zxcvbn import zxcvbn


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENT_", extra="ignore")

    mode: Literal["local", "production"] = Field(
        default="local",
        description=(
            "`production` refuses to start without a strong EVIDENT_SECRET_KEY and sets Secure "
            "cookies."
        ),
    )
    data_dir: Path = Field(
        default=Path("data"), description="Folder for the SQLite database and the local secret."
    )
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("EVIDENT_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; empty means SQLite at `<data_dir>/evident.db`.",
    )
    secret_key: str = Field(
        default="",
        description=(
            "Signs session cookies and CSRF tokens. Generated into the data folder in local mode."
        ),
    )
    session_days: int = Field(
        default=14, ge=1, description="How long a sign-in (password token or cookie) lasts."
    )
    # Room for the longest notes (1,000,000 characters) in JSON, even with every character
    # written as a six-character \u escape.
    max_body_bytes: int = Field(
        default=8_000_000, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    max_transcript_bytes: int = Field(
        default=10_000_000,
        ge=1024,
        description="Largest transcript file (.txt, .vtt, .docx...) accepted for upload.",
    )
    max_import_bytes: int = Field(
        default=50_000_000, ge=1024, description="Largest CSV or JSON file accepted for import."
    )
    sign_in_window_minutes: int = Field(
        default=15,
        ge=1,
        description="How long a failed sign-in counts against its account and its address.",
    )
    sign_in_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins to one account, within the window, before it is held (429).",
    )
    sign_in_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address, within the window, before 429.",
    )
    base_url: str = Field(
        default="",
        description=(
            "The address people open Evident at (e.g. `https://evident.example.com`); links in "
            "emails and the single sign-on callback start with it. Empty: the request's address."
        ),
    )
    smtp_url: str = Field(
        default="",
        description=(
            "Mail server for invitations and password resets: `smtp://user:password@host:587` "
            "(STARTTLS) or `smtps://user:password@host:465` (TLS). Empty: no mail is sent; an "
            "invitation link is shown to the admin to copy, and every link is written to the log."
        ),
    )
    mail_from: str = Field(
        default="Evident <evident@localhost>",
        description="The From address of the mail Evident sends.",
    )
    invitation_days: int = Field(
        default=7, ge=1, le=90, description="How long an invitation link can be accepted."
    )
    reset_minutes: int = Field(
        default=60, ge=5, le=1440, description="How long a password-reset link works."
    )
    share_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="How long a read-only share link works unless its creator picks a date.",
    )
    oidc_issuer: str = Field(
        default="",
        description=(
            "Single sign-on: the OpenID Connect provider's issuer URL (its discovery document is "
            "read from `<issuer>/.well-known/openid-configuration`). Empty: no single sign-on."
        ),
    )
    oidc_client_id: str = Field(default="", description="Single sign-on: the client id.")
    oidc_client_secret: str = Field(default="", description="Single sign-on: the client secret.")
    oidc_name: str = Field(
        default="single sign-on",
        description='How the sign-in page names the provider ("Sign in with …").',
    )
    page_size: int = Field(default=50, ge=1, le=500, description="Default page size of lists.")
    max_page_size: int = Field(default=200, ge=1, le=1000, description="Largest page size allowed.")
    log_sql: bool = Field(default=False, description="Echo every SQL statement (debugging).")

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'evident.db'}"
        if not self.secret_key:
            if self.mode == "production":
                raise ValueError("EVIDENT_SECRET_KEY must be set when EVIDENT_MODE=production")
            self.secret_key = _local_secret(self.data_dir)
        elif self.mode == "production" and (weakness := secret_weakness(self.secret_key)):
            raise ValueError(
                f"EVIDENT_SECRET_KEY is too weak for EVIDENT_MODE=production: {weakness}. "
                f"Use {MIN_SECRET_LENGTH} or more random characters, for example the output of "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


MIN_SECRET_LENGTH = 32
# zxcvbn's estimate of the guesses needed (log10): random 32-character keys score about 30
# (22 at worst when made of digits only), while repeats, sequences and words
# ("change-me-change-me-...") stay below 20.
MIN_SECRET_GUESSES_LOG10 = 20


def secret_weakness(secret: str) -> str:
    """Why a secret is too weak to sign production sessions, or "" when it is fine."""
    if len(secret) < MIN_SECRET_LENGTH:
        length = f"{len(secret)} character{'s' if len(secret) != 1 else ''}"
        return f"it is {length} long, {MIN_SECRET_LENGTH} are needed"
    # zxcvbn slows down sharply on long input; the first 72 characters tell a pattern anyway.
    estimate = zxcvbn(secret[:72])
    if estimate["guesses_log10"] < MIN_SECRET_GUESSES_LOG10:
        warning = estimate["feedback"]["warning"].rstrip(".")
        return "it is easy to guess" + (f" ({warning.lower()})" if warning else "")
    return ""


def _local_secret(data_dir: Path) -> str:
    """Generate a secret once and keep it beside the database, so sign-ins survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    make_private_folder(data_dir)
    secret = secrets.token_urlsafe(48)
    # Created private, so the secret is never readable by others, not even for a moment.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(secret)
    path.chmod(0o600)
    return secret


def make_private_folder(path: Path) -> None:
    """Create a folder (and missing parents) that only its owner can enter: it holds the
    database and the secret."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)  # parents get the default mode, and the umask may narrow it oddly


@lru_cache
def get_settings() -> Settings:
    return Settings()

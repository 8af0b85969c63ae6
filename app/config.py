"""Settings: the one place the app reads its environment (prefix ``EVIDENT_``).

Every field here is documented in the README; ``tests/test_settings.py`` keeps the two in step.
"""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENT_", extra="ignore")

    mode: Literal["local", "production"] = Field(
        default="local",
        description=(
            "`production` refuses to start without EVIDENT_SECRET_KEY and sets Secure cookies."
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
    max_body_bytes: int = Field(
        default=2_000_000, ge=1024, description="Largest request body accepted (413 beyond)."
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
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _local_secret(data_dir: Path) -> str:
    """Generate a secret once and keep it beside the database, so sign-ins survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()

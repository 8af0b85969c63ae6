"""Settings: every one documented in the README, a secret required in production, kept locally."""

import re
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices, ValidationError

from app.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
ENV_PREFIX = str(Settings.model_config.get("env_prefix", ""))


def readme_settings_table() -> dict[str, list[str]]:
    """Rows of the README's settings table, keyed by the setting's name."""
    text = README.read_text()
    section = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "README has no '## Settings' section"
    rows = {}
    for line in section.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def env_names(name: str) -> list[str]:
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"{ENV_PREFIX}{name}".upper()]


def shown_default(default: Any) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    rows = readme_settings_table()
    assert name in rows, f"Setting {name!r} is missing from the README's settings table"
    _, env_cell, default_cell, description = rows[name]
    for env in env_names(name):
        assert f"`{env}`" in env_cell, f"README does not name {env} for {name}"
    default = Settings.model_fields[name].default
    if default not in ("", None):
        assert f"`{shown_default(default)}`" in default_cell, f"README's default of {name}"
    else:
        assert default_cell.startswith("empty"), f"README's default of {name} should say empty"
    assert len(description) > 10


def test_the_readme_documents_no_setting_that_does_not_exist() -> None:
    assert set(readme_settings_table()) == set(Settings.model_fields)


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVIDENT_PAGE_SIZE", "25")
    monkeypatch.setenv("EVIDENT_LOG_SQL", "true")
    monkeypatch.delenv("EVIDENT_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db:5432/evident")
    settings = Settings()
    assert settings.page_size == 25
    assert settings.log_sql is True
    assert settings.database_url == "postgresql+psycopg://app@db:5432/evident"
    assert not settings.is_sqlite
    # The app's own name wins over the generic one.
    monkeypatch.setenv("EVIDENT_DATABASE_URL", "sqlite:///elsewhere.db")
    assert Settings().database_url == "sqlite:///elsewhere.db"


def test_the_default_database_is_sqlite_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'evident.db'}"
    assert settings.is_sqlite


def test_production_without_a_secret_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENT_SECRET_KEY", raising=False)
    monkeypatch.setenv("EVIDENT_MODE", "production")
    with pytest.raises(ValidationError, match="EVIDENT_SECRET_KEY must be set"):
        Settings(data_dir=tmp_path)
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("EVIDENT_SECRET_KEY", VAULT_SECRET)
    assert Settings(data_dir=tmp_path).secret_key == VAULT_SECRET


VAULT_SECRET = secrets.token_urlsafe(48)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("x", "it is 1 character long, 32 are needed"),
        ("change-me", "it is 9 characters long, 32 are needed"),
        ("a" * 64, 'it is easy to guess (repeats like "aaa" are easy to guess)'),
        ("0123456789" * 4, "it is easy to guess (repeats like"),
        ("abcdefghijklmnopqrstuvwxyz012345", "it is easy to guess (sequences like"),
        ("change-me-change-me-change-me-ch", "it is easy to guess"),
        ("password" * 4, "it is easy to guess"),
        ("qwertyuiopasdfghjklzxcvbnm123456", "it is easy to guess"),
        ("secretsecretsecretsecretsecret12", "it is easy to guess"),
    ],
)
def test_production_refuses_a_weak_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str, reason: str
) -> None:
    monkeypatch.setenv("EVIDENT_MODE", "production")
    monkeypatch.setenv("EVIDENT_SECRET_KEY", secret)
    with pytest.raises(ValidationError) as refused:
        Settings(data_dir=tmp_path)
    message = refused.value.errors()[0]["msg"]
    assert "EVIDENT_SECRET_KEY is too weak for EVIDENT_MODE=production: " + reason in message
    assert "secrets.token_urlsafe(48)" in message  # and how to make a good one


@pytest.mark.parametrize(
    "secret",
    [secrets.token_urlsafe(24), secrets.token_hex(16), secrets.token_hex(32), VAULT_SECRET],
    # Named, not shown: the same ids in every collection (test workers compare them).
    ids=["urlsafe-24", "hex-16", "hex-32", "vault"],
)
def test_production_accepts_a_random_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("EVIDENT_MODE", "production")
    monkeypatch.setenv("EVIDENT_SECRET_KEY", secret)
    assert Settings(data_dir=tmp_path).secret_key == secret


def test_local_mode_takes_any_secret_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENT_MODE", raising=False)
    monkeypatch.setenv("EVIDENT_SECRET_KEY", "x")
    assert Settings(data_dir=tmp_path).secret_key == "x"


def test_local_mode_generates_a_secret_once_and_reuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENT_SECRET_KEY", raising=False)
    monkeypatch.delenv("EVIDENT_MODE", raising=False)
    data_dir = tmp_path / "data"
    first = Settings(data_dir=data_dir)
    secret_file = data_dir / "secret_key"
    assert len(first.secret_key) >= 32
    assert secret_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert Settings(data_dir=data_dir).secret_key == first.secret_key
    assert Settings(data_dir=tmp_path / "other").secret_key != first.secret_key

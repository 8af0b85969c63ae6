"""Passwords are hashed with argon2 and tokens are stored hashed, never in plain."""

from sqlmodel import Session, select

from app.auth import service
from app.auth.models import ApiToken, User
from tests.factories import Api


def test_production_hasher_is_argon2id_with_real_cost() -> None:
    from pwdlib import PasswordHash

    hashed = PasswordHash.recommended().hash("correct horse battery")
    assert hashed.startswith("$argon2id$")
    # pwdlib's recommended cost: 64 MiB of memory, 3 passes (OWASP's argon2id baseline or above).
    assert "m=65536,t=3" in hashed


def test_passwords_and_tokens_are_stored_hashed(api: Api, session: Session) -> None:
    user = session.exec(select(User).where(User.email == "ada@example.com")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in user.password_hash
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert tokens
    assert all(
        t.token_hash == service.hash_token(api.token) or t.token_hash != api.token for t in tokens
    )
    assert api.token not in {t.token_hash for t in tokens}
    assert service.hash_token(api.token) in {t.token_hash for t in tokens}

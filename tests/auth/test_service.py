"""Passwords are hard to guess and hashed with argon2; tokens are stored hashed, never in plain."""

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from app.auth import service
from app.auth.models import ApiToken, User, UserCreate
from app.auth.passwords import password_weakness
from app.errors import InvalidInput
from tests.factories import PASSWORD, Api


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


@pytest.mark.parametrize(
    ("password", "advice"),
    [
        ("password", "This is a top-10 common password."),
        ("12345678", "This is a top-10 common password."),
        ("qwertyuiop", "This is a top-100 common password."),
        ("Password1!", "This is similar to a commonly used password."),
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("abcdefghijk", 'Sequences like "abc" or "6543" are easy to guess.'),
        ("x" * 200, 'Repeats like "aaa" are easy to guess.'),
    ],
)
def test_passwords_that_are_easy_to_guess_are_refused_with_advice(
    password: str, advice: str
) -> None:
    weakness = password_weakness(password)
    assert weakness.startswith("Too easy to guess. ")
    assert advice in weakness


def test_a_password_made_of_the_persons_own_email_or_name_is_refused() -> None:
    assert password_weakness("Quillbarrow-1847") == ""
    inputs = ["tessa.quill@example.com", "Tessa Quillbarrow"]
    assert password_weakness("Quillbarrow-1847", user_inputs=inputs).startswith("Too easy")


@pytest.mark.parametrize(
    "password", [PASSWORD, "correct horse battery staple", "Tr0ub4dor&3", "long enough pw"]
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_weakness(password) == ""


def test_create_user_refuses_a_weak_password_whoever_calls_it(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.create_user(session=session, email="ada@example.com", password="12345678")
    assert refused.value.status == 422
    assert refused.value.message == (
        "password: Too easy to guess. This is a top-10 common password. "
        "Add another word or two. Uncommon words are better."
    )
    assert refused.value.details == [{"field": "password", "message": refused.value.message[10:]}]
    assert session.exec(select(User)).all() == []


def test_user_create_names_the_password_field() -> None:
    with pytest.raises(ValidationError) as refused:
        UserCreate(email="ada@example.com", name="Ada", password="password")
    [error] = refused.value.errors()
    assert error["loc"] == ("password",)
    assert "This is a top-10 common password." in error["msg"]

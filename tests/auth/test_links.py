"""Signed link tokens: good only for the purpose and the secret they were made with."""

from hypothesis import example, given
from hypothesis import strategies as st

from app.auth.links import (
    link_hash,
    new_link_token,
    sign_value,
    unsign_value,
    verified_link_hash,
)

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20)


@given(secret=names, purpose=names, other=names)
def test_a_token_verifies_only_for_its_purpose_and_secret(
    secret: str, purpose: str, other: str
) -> None:
    token, stored = new_link_token(secret, purpose)
    assert stored == link_hash(token) and token not in stored
    assert verified_link_hash(secret, purpose, token) == stored
    if other != purpose:
        assert verified_link_hash(secret, other, token) is None
    if other != secret:
        assert verified_link_hash(other, purpose, token) is None


@given(secret=names, token=st.text(max_size=300))
@example(secret="s", token="abc.d\u00e9f")
def test_anything_else_is_refused(secret: str, token: str) -> None:
    assert verified_link_hash(secret, "invitation", token) is None


@given(secret=names, value=st.text(max_size=200))
def test_a_signed_value_reads_back_only_unchanged(secret: str, value: str) -> None:
    signed = sign_value(secret, "flow", value)
    assert unsign_value(secret, "flow", signed) == value
    assert unsign_value(secret, "other", signed) is None
    assert unsign_value(secret + "x", "flow", signed) is None

"""Links sent to people: invitations, password resets and read-only share links.

A link's token is random, signed with the app secret for its purpose, and stored only as a
hash (like API tokens). The signature refuses a token made for another purpose (an invitation
cannot reset a password) or under another secret before the database is asked; the hash means
a copy of the database gives no working link.
"""

import base64
import hashlib
import hmac
import secrets

# Long enough to keep anyone from guessing a valid signature; short enough for a tidy link.
_SIGNATURE_BYTES = 16


def _signature(secret: str, purpose: str, value: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:_SIGNATURE_BYTES]).decode().rstrip("=")


def _same(sent: str, expected: str) -> bool:
    # As bytes: compare_digest refuses str with characters beyond ASCII (a mangled link).
    return hmac.compare_digest(sent.encode(), expected.encode())


def new_link_token(secret: str, purpose: str) -> tuple[str, str]:
    """A new signed token for `purpose` and the hash to store (the token itself is not kept)."""
    value = secrets.token_urlsafe(24)
    token = f"{value}.{_signature(secret, purpose, value)}"
    return token, link_hash(token)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def verified_link_hash(secret: str, purpose: str, token: str) -> str | None:
    """The stored hash of a token signed for `purpose`, or None when its signature is wrong."""
    value, _, signature = token.partition(".")
    if not value or not signature or len(token) > 200:
        return None
    if not _same(signature, _signature(secret, purpose, value)):
        return None
    return link_hash(token)


def sign_value(secret: str, purpose: str, value: str) -> str:
    """A value (short, for a cookie) with its signature, to read back with `unsign_value`."""
    encoded = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(secret, purpose, encoded)}"


def unsign_value(secret: str, purpose: str, signed: str) -> str | None:
    """The value of `sign_value`, or None when the signature does not hold."""
    encoded, _, signature = signed.partition(".")
    if not _same(signature, _signature(secret, purpose, encoded)):
        return None
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()

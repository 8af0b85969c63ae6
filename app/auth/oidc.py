"""Single sign-on with any OpenID Connect provider (Authlib for the code flow with PKCE,
joserfc for the ID token): discovery, the redirect there, and the claims that come back."""

import json
import secrets
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.auth.links import sign_value, unsign_value
from app.config import Settings
from app.errors import NotAuthenticated

FLOW_PURPOSE = "oidc-flow"
FLOW_COOKIE = "evident_sso"
SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


_providers: dict[str, Provider] = {}


def provider(settings: Settings) -> Provider:
    """The provider's endpoints, from its discovery document (read once per process)."""
    issuer = settings.oidc_issuer.rstrip("/")
    if issuer not in _providers:
        try:
            answer = requests.get(
                f"{issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT_SECONDS
            )
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise NotAuthenticated(
                f"Single sign-on is unavailable: the provider at {issuer} did not answer ({exc})."
            ) from None
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise NotAuthenticated("Single sign-on is misconfigured: the issuer does not match.")
        _providers[issuer] = Provider(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
        )
    return _providers[issuer]


def _client(settings: Settings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        settings.oidc_client_id,
        settings.oidc_client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def start(*, settings: Settings, redirect_uri: str, next_path: str) -> tuple[str, str]:
    """Where to send the browser, and the signed cookie that remembers this attempt."""
    flow = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": next_path,
    }
    url, _ = _client(settings, redirect_uri).create_authorization_url(
        provider(settings).authorization_endpoint,
        state=flow["state"],
        nonce=flow["nonce"],
        code_verifier=flow["verifier"],
    )
    return url, sign_value(settings.secret_key, FLOW_PURPOSE, json.dumps(flow))


def finish(
    *, settings: Settings, redirect_uri: str, cookie: str | None, params: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The verified ID token's claims and where to go next, or NotAuthenticated saying why."""
    raw = unsign_value(settings.secret_key, FLOW_PURPOSE, cookie) if cookie else None
    flow = json.loads(raw) if raw else None
    if not flow or not secrets.compare_digest(params.get("state", ""), flow["state"]):
        raise NotAuthenticated("Single sign-on took too long or was started elsewhere; try again.")
    if "error" in params:
        raise NotAuthenticated(f"The provider refused the sign-in ({params['error']}).")
    found = provider(settings)
    try:
        token = _client(settings, redirect_uri).fetch_token(
            found.token_endpoint,
            code=params.get("code", ""),
            code_verifier=flow["verifier"],
            grant_type="authorization_code",
        )
        keys = KeySet.import_key_set(
            requests.get(found.jwks_uri, timeout=HTTP_TIMEOUT_SECONDS).json()
        )
        claims = jwt.decode(token["id_token"], keys).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": found.issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            nonce={"essential": True, "value": flow["nonce"]},
            exp={"essential": True},
        ).validate(claims)
    except (requests.RequestException, AuthlibBaseError, JoseError, KeyError, ValueError) as exc:
        raise NotAuthenticated(f"Single sign-on failed: {exc}.") from None
    return claims, str(flow["next"])

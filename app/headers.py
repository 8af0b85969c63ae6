"""Security headers on every answer: pages, JSON, errors, static files, redirects.

A small pure-ASGI wrapper rather than a library: it has to sit outside Starlette's own
error middleware (so a 500 gets the headers too) and leave alone a header a route set on
purpose (the sandboxed Markdown memo, the API docs page with its one inline script).
"""

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(*, script_src: Iterable[str] = ()) -> str:
    """The policy of our pages: everything from our own origin, no inline script or style."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_src]),
        "style-src": "'self'",
        # Pico draws its checkboxes and select arrows with data: SVG images.
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# A document only to read: no script, no plugin, its own opaque origin, never framed.
SANDBOX_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": content_security_policy(),
    # frame-ancestors above, for browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_ENCODED = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """Add the security headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in _ENCODED if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadedFastAPI(FastAPI):
    """FastAPI whose every answer carries the security headers: the wrapper goes outside
    Starlette's error middleware, which sends the 500 answer itself."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())

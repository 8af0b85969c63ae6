"""The signed-in browser of the page tests, shared with tests/web."""

from tests.web.conftest import web

__all__ = ["web"]

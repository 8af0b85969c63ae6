"""The web UI: server-rendered pages (Jinja2 + htmx) over the same services as the JSON API."""

from importlib import import_module
from importlib.util import find_spec

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.pages.common import render_error_page
from app.web import STATIC_DIR

PAGE_MODULES = (
    "app.pages.auth",
    "app.pages.portfolio",
    "app.pages.problems",
    "app.pages.interviews",
    "app.pages.tests_board",
    "app.pages.decide",
    "app.pages.settings",
)
# Domains that keep their own pages beside their service (search and import).
DOMAIN_PAGE_MODULES = ("app.search.pages", "app.dataio.pages")


def _exists(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is not there either
        return False


def install_pages(app: FastAPI) -> None:
    """Mount the static files and every page router, and render HTML errors as pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name in PAGE_MODULES:
        app.include_router(import_module(name).router)
    for name in DOMAIN_PAGE_MODULES:
        if _exists(name):
            app.include_router(import_module(name).router)
    app.state.render_error_page = render_error_page

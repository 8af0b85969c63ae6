"""The web UI: server-rendered pages (Jinja2 + htmx) over the same services as the JSON API."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.pages.common import render_error_page
from app.web import STATIC_DIR


def install_pages(app: FastAPI) -> None:
    """Mount the static files and every page router, and render HTML errors as pages."""
    from app.pages import (
        auth,
        decide,
        interviews,
        portfolio,
        problems,
        search,
        settings,
        tests_board,
    )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        auth,
        portfolio,
        problems,
        interviews,
        tests_board,
        decide,
        search,
        settings,
    ):
        app.include_router(module.router)
    app.state.render_error_page = render_error_page

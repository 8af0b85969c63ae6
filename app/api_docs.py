"""The interactive API docs (Swagger UI) served from our own static files, so /docs works
offline and under the same Content-Security-Policy as every page."""

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.headers import content_security_policy

SWAGGER_UI = "/static/vendor/swagger-ui"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> list[str]:
    """CSP sources that allow exactly the inline scripts of this page and nothing else."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def install_api_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs; create the app with docs_url=None so FastAPI does not."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API docs",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            # No badge fetched from the public validator: the page talks to us only.
            swagger_ui_parameters={"validatorUrl": None},
        )
        # FastAPI starts Swagger UI with an inline script: allow that one by its hash.
        html = bytes(page.body).decode()
        page.headers["Content-Security-Policy"] = content_security_policy(
            script_src=script_hashes(html)
        )
        return page

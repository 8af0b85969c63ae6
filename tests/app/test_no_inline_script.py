"""The templates keep to the Content-Security-Policy: no inline script, no inline event
handler, no inline style, and nothing that makes htmx eval a string. Behaviour lives in
static/app.js, looks in static/app.css."""

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web import STATIC_DIR, TEMPLATES_DIR

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))

# What the policy (script-src 'self'; style-src 'self') would refuse, or what needs eval.
FORBIDDEN = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\b(?:data-)?hx-on", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "js: values for htmx": re.compile(r"hx-(?:vals|headers)\s*=\s*['\"]\s*js:", re.IGNORECASE),
    "hx-vars (always eval)": re.compile(r"\bhx-vars\b", re.IGNORECASE),
    "htmx trigger filter (eval)": re.compile(r"hx-trigger\s*=\s*['\"][^'\"]*\[", re.IGNORECASE),
}


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_template_has_no_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [
        f"{what}: {match.group(0).strip()!r} on line {text.count(chr(10), 0, match.start()) + 1}"
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        "<div hx-on:click='x()'>",
        '<a href="javascript:void(0)">',
        "<style>p {}</style>",
        '<p style="color: red">',
        "<form hx-vals='js:{a: 1}'>",
        "<input hx-trigger=\"keyup[key=='Enter']\">",
    ],
)
def test_the_scan_catches_what_the_policy_refuses(snippet: str) -> None:
    assert any(pattern.search(snippet) for pattern in FORBIDDEN.values())


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/app.js" defer></script>',
        '<button type="button" data-dismiss=".toast">',
        '<div hx-get="/x" hx-trigger="every 1s" hx-swap="outerHTML">',
        '<a href="/w/acme" aria-current="page">',
    ],
)
def test_the_scan_lets_the_allowed_through(snippet: str) -> None:
    assert not any(pattern.search(snippet) for pattern in FORBIDDEN.values())


def test_pages_load_our_script_and_keep_htmx_from_eval(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/signin", headers={"Accept": "text/html"}).text, "html.parser")
    scripts = [tag["src"] for tag in page.find_all("script")]
    assert scripts == ["/static/vendor/htmx/htmx.min.js", "/static/app.js"]
    assert all((STATIC_DIR / src.removeprefix("/static/")).is_file() for src in scripts)
    meta = page.find("meta", attrs={"name": "htmx-config"})
    assert meta is not None
    config = json.loads(str(meta["content"]))
    # htmx would otherwise eval strings, run scripts it swaps in, and inject a <style>.
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False

"""What a person reads is in their words: the demo workspace's pages and memos carry no
snake_case word, no raw enum value and none of the engine's own vocabulary."""

import re

import pytest
from bs4 import BeautifulSoup

from app.enums import InterviewKind, Signal, TestMethod
from app.scoring.scorecard import BiasCode
from tests.factories import Api
from tests.pages import Web

URL = re.compile(r"(?:https?://|/)\S+")
SNAKE = re.compile(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b")
# The engine's words that mean nothing to a product leader.
JARGON = re.compile(r"pseudo|\bprior\b|\bx \d\.\d|capped at", re.I)
RAW_VALUES = {
    v.value
    for enum in (Signal, TestMethod, InterviewKind, BiasCode)
    for v in enum
    if "_" in v.value
}


def visible_text(html: str) -> str:
    """The text a reader sees: no tags, scripts, styles or attributes."""
    page = BeautifulSoup(html, "html.parser")
    for hidden in page(["script", "style", "template"]):
        hidden.decompose()
    return page.get_text(" ")


def problems_in_plain_words(text: str, where: str) -> list[str]:
    text = URL.sub(" ", text)
    found = [f"{where}: {m[0]!r}" for m in SNAKE.finditer(text)]
    found += [f"{where}: {m[0]!r}" for m in JARGON.finditer(text)]
    found += [f"{where}: raw value {v!r}" for v in RAW_VALUES if v in text]
    return found


@pytest.fixture
def demo_web(demo: Api) -> Web:
    browser = Web(demo.client, "demo")
    browser.sign_in("ada@example.com")
    return browser


def test_the_demo_reads_in_plain_words(demo_web: Web, demo: Api) -> None:
    problems = demo.ok(demo.get("problems", params={"limit": 100}))["items"]
    decisions = demo.ok(demo.get("decisions", params={"limit": 100}))["items"]
    assert problems and decisions
    pages = ["", "glossary", "tests", "review", "interviews", "settings"]
    for problem in problems:
        pages += [f"problems/{problem['id']}", f"problems/{problem['id']}/decide"]
    for decision in decisions:
        pages += [f"decisions/{decision['id']}/memo", f"decisions/{decision['id']}/memo/print"]
    found: list[str] = []
    for path in pages:
        response = demo_web.get(path)
        assert response.status_code == 200, path
        found += problems_in_plain_words(visible_text(response.text), path)
    for problem in problems:
        memo = demo.get(f"problems/{problem['id']}/memo")
        found += problems_in_plain_words(memo.text, f"memo of problem {problem['id']}")
    for decision in decisions:
        memo = demo_web.get(f"decisions/{decision['id']}/memo.md")
        assert memo.status_code == 200
        found += problems_in_plain_words(memo.text, f"memo of decision {decision['id']}")
    assert not found, "\n".join(found)


def test_the_checker_catches_engine_words() -> None:
    text = visible_text(
        "<p>prior: 2 pseudo-participants, x 0.60, capped at 0.2 by not_a_priority"
        ' <a href="/w/a_b/x_y">link</a></p>'
    )
    found = problems_in_plain_words(text, "page")
    assert any("not_a_priority" in f for f in found)
    assert any("pseudo" in f for f in found)
    assert not any("a_b" in f for f in found)

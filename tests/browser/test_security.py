"""The Content-Security-Policy in a real browser: it refuses inline script, and the API docs
still render from our own files with every other host unreachable."""

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ConsoleWatch

pytestmark = pytest.mark.browser


def test_the_policy_refuses_inline_script_and_the_console_says_so(
    live_server: str, browser: Any, console: ConsoleWatch
) -> None:
    page = console.attach(browser.new_context()).new_page()
    page.goto(live_server + "/signin")
    ran = page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.head.append(script);
            const button = document.createElement('button');
            button.setAttribute('onclick', 'window.handlerRan = true');
            document.body.append(button);
            button.click();
            return [window.inlineRan === true, window.handlerRan === true];
        }"""
    )
    assert ran == [False, False]
    # What the journey fails on is what the browser reports here.
    assert len(console.csp_violations) == 2, console.errors


def test_api_docs_render_offline_without_csp_violations(
    live_server: str, browser: Any, console: ConsoleWatch
) -> None:
    context = console.attach(browser.new_context())
    elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(live_server + "/docs")
    page.wait_for_selector(".opblock")
    document = page.request.get(live_server + "/openapi.json").json()
    operations = sum(len(methods) for methods in document["paths"].values())
    assert page.locator(".opblock").count() == operations
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock.is-open .try-out")
    assert page.locator("button.authorize").is_visible()
    assert elsewhere == []
    console.assert_clean()
    context.close()

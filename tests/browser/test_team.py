"""A team gets in, in a real browser: an invitation by mail (a real SMTP server in the test
process), accepted; a forgotten password reset by mail; single sign-on against a real OpenID
provider; a read-only link opened with no cookies, then revoked and refused. Screenshots at
desktop and phone widths of the pages a newcomer meets."""

import re
from pathlib import Path
from typing import Any

import pytest
from oidc_provider_mock import User, run_server_in_thread

from tests.browser.conftest import ConsoleWatch, browser_settings, serving
from tests.mailbox import Mailbox, smtp_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
BEA_PASSWORD = "violet kettle harbour"
BEA_NEW_PASSWORD = "copper meadow lantern"
WIDTHS = (1366, 390)


def shoot(page: Any, output_dir: Path, name: str, selector: str | None = None) -> None:
    """Screenshots at desktop and phone widths, of the page or one of its sections."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        target = page.locator(selector) if selector else page
        kwargs = {} if selector else {"full_page": True}
        target.screenshot(path=str(output_dir / f"{name}-{width}.png"), **kwargs)
    page.set_viewport_size({"width": 1366, "height": 900})


def link_for(mailbox: Mailbox, email: str) -> str:
    return mailbox.link_in(mailbox.last_to(email))


@pytest.fixture
def team_server(tmp_path: Path, migrated_sqlite: Path) -> Any:
    """The app with a mail server and a single sign-on provider, both in this process."""
    ada = User(sub="ada", claims={"email": "ada@example.com", "email_verified": True})
    with (
        run_server_in_thread(user_claims=[ada], require_nonce=True) as provider,
        smtp_server() as (smtp_url, mailbox),
    ):
        settings = browser_settings(
            tmp_path,
            migrated_sqlite,
            smtp_url=smtp_url,
            oidc_issuer=f"http://localhost:{provider.server_port}",
            oidc_client_id="evident",
            oidc_client_secret="evident-secret",
            oidc_name="Acme login",
        )
        with serving(settings) as base:
            yield base, mailbox


def test_a_team_gets_in(
    team_server: Any, browser: Any, output_dir: Path, console: ConsoleWatch
) -> None:
    base, mailbox = team_server
    admin = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    page = admin.new_page()
    page.set_default_timeout(10_000)

    # First run, then a problem to share later.
    page.goto(base + "/")
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    page.fill("#password", PASSWORD)
    page.fill("#workspace", "Acme")
    page.fill("#slug", "acme")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme$"))
    page.goto(base + "/w/acme/problems/new")
    page.fill("#title", "Exports break at month end")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme/problems/\d+$"))

    # Invite Bea; the mail arrives at the SMTP server.
    page.goto(base + "/w/acme/settings#invitations")
    page.fill("#invite_email", "bea@example.com")
    page.select_option("#invite_role", "decider")
    page.click("#invitations form[action$='/settings/invitations'] button[type=submit]")
    assert "Invitation sent to bea@example.com" in page.locator("#invitation-notice").inner_text()
    shoot(page, output_dir, "settings-invitations", "#invitations")
    shoot(page, output_dir, "settings-members", "#members")
    invitation = link_for(mailbox, "bea@example.com")

    # Bea accepts in her own browser and lands in the workspace as a decider.
    bea = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    bea_page = bea.new_page()
    bea_page.set_default_timeout(10_000)
    bea_page.goto(invitation)
    assert bea_page.locator("h1").inner_text() == "Join Acme"
    shoot(bea_page, output_dir, "accept-invitation")
    bea_page.fill("#name", "Bea")
    bea_page.fill("#password", BEA_PASSWORD)
    bea_page.click("main form button[type=submit]")
    bea_page.wait_for_url(re.compile(r"/w/acme$"))
    assert bea_page.get_by_role("link", name="Review").is_visible()  # deciders review

    # Bea forgets her password: the reset link comes by mail and signs her in.
    bea.clear_cookies()
    bea_page.goto(base + "/signin")
    bea_page.click("text=Forgot your password?")
    bea_page.fill("#email", "bea@example.com")
    bea_page.click("main form button[type=submit]")
    assert "If an Evident account uses bea@example.com" in bea_page.inner_text("#reset-notice")
    bea_page.goto(link_for(mailbox, "bea@example.com"))
    bea_page.fill("#password", BEA_NEW_PASSWORD)
    bea_page.click("main form button[type=submit]")
    bea_page.wait_for_url(re.compile(r"/w/acme$"))

    # Ada signs in with single sign-on in a fresh browser.
    sso = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    sso_page = sso.new_page()
    sso_page.set_default_timeout(10_000)
    sso_page.goto(base + "/signin")
    sso_page.click("#sso-button")
    sso_page.click("button[name=sub][value=ada]")  # the provider's own page: choose Ada
    sso_page.wait_for_url(re.compile(r"/w/acme$"))
    assert sso_page.locator("nav").get_by_text("Settings").is_visible()

    # Ada shares the problem's scorecard; a browser with no cookies reads it.
    page.goto(base + "/w/acme/settings#share-links")
    page.select_option("#shared", label="Scorecard: Exports break at month end")
    page.click("#share-links form button[type=submit]")
    shared = page.locator("#share-link").input_value()
    stranger = console.attach(browser.new_context(viewport={"width": 1366, "height": 900}))
    assert stranger.cookies() == []
    outside = stranger.new_page()
    outside.set_default_timeout(10_000)
    answer = outside.goto(shared)
    assert answer is not None and answer.headers["x-robots-tag"].startswith("noindex")
    assert outside.locator("h1").inner_text() == "Exports break at month end"
    assert outside.locator("a[href^='/w/']").count() == 0
    shoot(outside, output_dir, "share-page")

    # Revoked, it is refused.
    page.goto(base + "/w/acme/settings#share-links")
    page.click("#share-links button:has-text('Revoke')")
    page.wait_for_url(re.compile(r"/w/acme/settings"))
    refused = outside.goto(shared)
    assert refused is not None and refused.status == 404
    assert outside.locator("h1").inner_text() == "This link is not available"
    console.assert_clean()

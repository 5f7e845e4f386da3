"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import re

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        yield browser
        browser.close()


def watch_csp(page, violations: list[str]):
    """Collect what the content security policy blocked on this page (the console says so)."""
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


@pytest.fixture
def csp_violations():
    """Every browser test fails when the policy blocked a script, a style or an image."""
    violations: list[str] = []
    yield violations
    assert violations == []


@pytest.fixture
def page(browser, csp_violations):
    context = browser.new_context()
    page = watch_csp(context.new_page(), csp_violations)
    page.set_default_timeout(15_000)
    yield page
    context.close()


def staff_second_factor(page, user):
    """After the password: the code of the staff member's app, or setting one up."""
    import base64
    import binascii

    from tests.second_factor import totp_code

    page.wait_for_url(re.compile(r"/admin/second-factor/"))
    if "/set-up/" in page.url:
        shown = page.locator(".second-factor-secret").inner_text()
        key = binascii.hexlify(base64.b32decode(shown.replace(" ", ""))).decode()
    else:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        key = TOTPDevice.objects.get(user=user, confirmed=True).key
    page.get_by_label("Code from your authenticator app").fill(totp_code(key))
    page.locator("#second-factor-form [type=submit]").click()

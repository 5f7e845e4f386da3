"""A person signs up, confirms their email from the mail, signs out and signs in again."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long browser password 7"


def test_sign_up_verify_sign_out_sign_in(page, live_server, settings):
    settings.SITE_URL = live_server.url
    mail.outbox.clear()

    # Sign up.
    page.goto(f"{live_server.url}/account/sign-up/")
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Full name").fill("Bea Browser")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server.url}/account/")
    assert page.locator(".badge.warn").inner_text() == "not confirmed"

    # The verification mail, from the test mail backend's outbox.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["browser@example.com"]
    link = re.search(r"https?://\S+/account/verify/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()
    assert page.get_by_role("heading", name="Email confirmed").is_visible()
    assert User.objects.get(email="browser@example.com").email_verified_at is not None

    # Sign out, then in again.
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/account/")
    assert page.locator(".badge.ok").inner_text() == "confirmed"
    assert page.get_by_role("link", name="Bea").is_visible()


def test_wrong_password_shows_the_message_on_the_page(page, live_server):
    User.objects.create_user(email="someone@example.com", password=PASSWORD)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "correct email" in page.locator(".form-errors").inner_text()
    assert page.url == f"{live_server.url}/account/sign-in/"


def test_the_theme_a_customer_picks_colours_every_page(page, live_server):
    User.objects.create_user(email="night@example.com", password=PASSWORD)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email").fill("night@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/account/")

    def background() -> str:
        return page.evaluate("getComputedStyle(document.body).backgroundColor")

    assert background() == "rgb(247, 248, 250)"  # the browser asks for light
    page.goto(f"{live_server.url}/account/preferences/")
    page.get_by_label("Theme").select_option("dark")
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_url(f"{live_server.url}/account/preferences/")
    assert background() == "rgb(18, 21, 28)"
    page.goto(f"{live_server.url}/search/?q=anything")
    assert page.locator("html").get_attribute("class") == "theme-dark"
    assert background() == "rgb(18, 21, 28)"

"""Password-reset requests, verification resends and sign-ups are limited per client address
and per account: past a limit the answer is 429, and nothing is written or mailed."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts import services
from apps.accounts.models import AccountToken, User
from apps.auditing.models import AuditEventWithPending
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


@pytest.fixture
def limits(settings):
    """Small limits for the test: `limits(action, account=..., ip=...)`."""

    def set_limits(action, *, account=100, ip=100):
        settings.ACCOUNTS_RATE_LIMITS = {
            **settings.ACCOUNTS_RATE_LIMITS,
            action: {"account": account, "ip": ip},
        }

    return set_limits


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST as a visitor (a fresh client unless given one), mail sent after commit."""

    def send(path, data=None, *, ip="127.0.0.1", forwarded=None, client=None):
        meta = {"REMOTE_ADDR": ip}
        if forwarded is not None:
            meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(path, data or {}, **meta)

    return send


def _state():
    return (
        User.all_objects.count(),
        list(AccountToken.objects.order_by("pk").values_list("pk", "superseded_at")),
        AuditEventWithPending.objects.count(),
    )


def _refused(response):
    return response.status_code == 429 and b"Too many requests" in response.content


# --- password reset --------------------------------------------------------------------


def test_password_reset_is_limited_per_account_known_or_not(limits, post, mailoutbox):
    limits("password_reset", account=2)
    user = UserFactory(email="reset@example.com")
    for ip in ("10.4.0.1", "10.4.0.2"):
        assert (
            post("/account/password-reset/", {"email": user.email}, ip=ip).status_code
            == 200
        )
    assert len(mailoutbox) == 2
    before = _state()
    response = post(
        "/account/password-reset/", {"email": "RESET@example.com"}, ip="10.4.0.3"
    )
    assert _refused(response)
    assert _state() == before and len(mailoutbox) == 2
    # An email nobody has answers the same: the limit says nothing about who has an account.
    for ip in ("10.4.0.1", "10.4.0.2"):
        post("/account/password-reset/", {"email": "ghost@example.com"}, ip=ip)
    assert _refused(post("/account/password-reset/", {"email": "ghost@example.com"}))


def test_password_reset_is_limited_per_address_behind_a_proxy(
    settings, limits, post, mailoutbox
):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1
    limits("password_reset", ip=2)
    users = [UserFactory(email=f"household{i}@example.com") for i in range(4)]
    for i in range(2):
        response = post(
            "/account/password-reset/",
            {"email": users[i].email},
            forwarded=f"192.0.2.{i}, 198.51.100.66",
        )
        assert response.status_code == 200
    before = _state()
    # A forged address in front of the proxy's entry does not make a new client.
    response = post(
        "/account/password-reset/",
        {"email": users[2].email},
        forwarded="192.0.2.77, 198.51.100.66",
    )
    assert _refused(response)
    assert _state() == before and len(mailoutbox) == 2
    # Another client through the same proxy is served.
    response = post(
        "/account/password-reset/", {"email": users[3].email}, forwarded="198.51.100.7"
    )
    assert response.status_code == 200 and len(mailoutbox) == 3


# --- verification resend ---------------------------------------------------------------


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_verification_resend_is_limited_per_account(limits, post, mailoutbox):
    limits("verify_resend", account=2)
    user = UserFactory(email="unverified@example.com")
    client = _signed_in(user)
    for ip in ("10.5.0.1", "10.5.0.2"):
        assert post("/account/verify-resend/", ip=ip, client=client).status_code == 302
    assert len(mailoutbox) == 2
    before = _state()
    response = post("/account/verify-resend/", ip="10.5.0.3", client=client)
    assert _refused(response)
    assert _state() == before and len(mailoutbox) == 2


def test_verification_resend_is_limited_per_address(limits, post, mailoutbox):
    limits("verify_resend", ip=2)
    first, second = _signed_in(UserFactory()), _signed_in(UserFactory())
    assert (
        post("/account/verify-resend/", ip="10.5.1.1", client=first).status_code == 302
    )
    assert (
        post("/account/verify-resend/", ip="10.5.1.1", client=second).status_code == 302
    )
    before = _state()
    assert _refused(post("/account/verify-resend/", ip="10.5.1.1", client=second))
    assert _state() == before and len(mailoutbox) == 2
    assert (
        post("/account/verify-resend/", ip="10.5.1.2", client=first).status_code == 302
    )


# --- sign-up ---------------------------------------------------------------------------


def _sign_up_form(email):
    return {
        "email": email,
        "full_name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def test_sign_ups_are_limited_per_address(limits, post, mailoutbox):
    limits("signup", ip=2)
    for i in range(2):
        response = post(
            "/account/sign-up/", _sign_up_form(f"new{i}@example.com"), ip="10.6.0.1"
        )
        assert response.status_code == 302
    before = _state()
    response = post(
        "/account/sign-up/", _sign_up_form("new2@example.com"), ip="10.6.0.1"
    )
    assert _refused(response)
    assert _state() == before and len(mailoutbox) == 2
    response = post(
        "/account/sign-up/", _sign_up_form("new2@example.com"), ip="10.6.0.2"
    )
    assert response.status_code == 302


def test_sign_ups_are_limited_per_email(limits, post):
    limits("signup", account=2)
    assert (
        post(
            "/account/sign-up/", _sign_up_form("dup@example.com"), ip="10.6.1.1"
        ).status_code
        == 302
    )
    response = post(
        "/account/sign-up/", _sign_up_form("DUP@example.com"), ip="10.6.1.2"
    )
    assert response.status_code == 400 and b"already exists" in response.content
    before = _state()
    # Past the limit the page no longer says whether the email has an account.
    response = post(
        "/account/sign-up/", _sign_up_form("dup@example.com"), ip="10.6.1.3"
    )
    assert _refused(response) and b"already exists" not in response.content
    assert _state() == before


def test_services_called_outside_the_storefront_are_not_limited(limits):
    limits("password_reset", account=1, ip=1)
    limits("verify_resend", account=1, ip=1)
    user = UserFactory()
    for _ in range(3):
        assert services.password_reset_request(email=user.email)
        assert services.email_verification_send(user=user)

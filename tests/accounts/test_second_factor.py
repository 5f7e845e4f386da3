"""Staff sign in with a password and then a TOTP code: required for superusers, chosen by
other staff. Codes are computed from the secret the set-up page shows, as an app would."""

from __future__ import annotations

import base64
import binascii
import re

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from tests.second_factor import session_verify, staff_device, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor_pending]

PASSWORD = "correct horse battery"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        email="boss@example.com", password=PASSWORD, full_name="Bo Boss"
    )


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user(
        email="clerk@example.com", password=PASSWORD, is_staff=True
    )


def sign_in(client, user, next_url="/admin/"):
    return client.post(
        f"/admin/login/?next={next_url}",
        {"username": user.email, "password": PASSWORD, "next": next_url},
    )


def secret_on_page(response) -> str:
    """The hex key behind the base32 secret the set-up page shows."""
    html = response.content.decode()
    shown = re.search(r'class="second-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    return binascii.hexlify(base64.b32decode(shown.replace(" ", ""))).decode()


def test_a_superuser_sets_up_an_app_before_reaching_the_back_office(
    client, superuser, audit_trail
):
    # given a superuser with no authenticator app, signed in with the password
    response = sign_in(client, superuser, "/admin/orders/order/")
    assert response.status_code == 302
    assert response.url == (
        "/admin/second-factor/set-up/?next=%2Fadmin%2Forders%2Forder%2F"
    )
    # then the back office stays closed
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302

    # when the set-up page is opened: the secret as a QR code (SVG), as text and as a link
    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg width="' in html and 'class="segno"' in html
    assert "otpauth://totp/The%20Shop%3Aboss%40example.com?secret=" in html
    key = secret_on_page(page)

    # a wrong code sets nothing up
    # (the right code plus one: not the code of this moment)
    wrong_code = f"{(int(totp_code(key)) + 1) % 1_000_000:06d}"
    wrong = client.post(page.wsgi_request.get_full_path(), {"otp_token": wrong_code})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    assert client.get("/admin/").status_code == 302

    # the app's code turns it on and lets the superuser in, where they were going
    done = client.post(
        page.wsgi_request.get_full_path(),
        {"otp_token": totp_code(key), "next": "/admin/orders/order/"},
    )
    assert done.status_code == 302
    assert done.url == "/admin/orders/order/"
    device = TOTPDevice.objects.get(user=superuser)
    assert device.confirmed and device.key == key
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/orders/order/").status_code == 200
    events = audit_trail.actions(table_name="accounts_user", row_pk=str(superuser.pk))
    assert [e for e in events if e != "update"] == [  # update: last_login
        "login",
        "second_factor_failed",
        "second_factor_enrolled",
    ]


def test_the_next_sign_in_asks_for_a_code_refuses_wrong_and_reused_ones(
    client, superuser, settings
):
    device = staff_device(superuser)
    response = sign_in(client, superuser)
    assert response.url == "/admin/second-factor/?next=%2Fadmin%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Code from your authenticator app" in page.content.decode()
    assert client.get("/admin/").status_code == 302

    # a wrong code is refused, and the right one too while the wait after it lasts
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600
    wrong = client.post(response.url, {"otp_token": "12345x"})
    assert "That code is not right" in wrong.content.decode()
    too_soon = client.post(response.url, {"otp_token": totp_code(device.key)})
    assert too_soon.status_code == 200
    assert client.get("/admin/").status_code == 302

    # after the wait, the right code lets them in
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    right = client.post(response.url, {"otp_token": totp_code(device.key)})
    assert right.status_code == 302 and right.url == "/admin/"
    assert client.get("/admin/").status_code == 200

    # the same code cannot be used again, in another session
    other = type(client)()
    sign_in(other, superuser)
    reused = other.post("/admin/second-factor/", {"otp_token": totp_code(device.key)})
    assert reused.status_code == 200
    assert other.get("/admin/").status_code == 302
    # the next code can
    fresh = other.post(
        "/admin/second-factor/", {"otp_token": totp_code(device.key, steps_ahead=1)}
    )
    assert fresh.status_code == 302
    assert other.get("/admin/").status_code == 200


def test_other_staff_may_opt_in_and_are_then_asked_every_time(client, clerk):
    # given a staff member without an app: the password is enough
    response = sign_in(client, clerk)
    assert response.url == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert 'href="/admin/second-factor/set-up/"' in index.content.decode()

    # when they set one up
    page = client.get("/admin/second-factor/set-up/")
    key = secret_on_page(page)
    assert client.post(
        page.request["PATH_INFO"], {"otp_token": totp_code(key)}
    ).url == ("/admin/")
    client.post("/admin/logout/")

    # then their next sign-in asks for it
    again = sign_in(client, clerk)
    assert again.url == "/admin/second-factor/?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302


def test_replacing_an_app_needs_the_current_one_first(client, clerk):
    staff_device(clerk)
    sign_in(client, clerk)
    response = client.get("/admin/second-factor/set-up/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/second-factor/?next=")
    assert TOTPDevice.objects.filter(user=clerk).count() == 1


def test_a_session_owing_the_code_can_sign_out(client, superuser):
    staff_device(superuser)
    sign_in(client, superuser)
    response = client.post("/admin/second-factor/sign-out/")
    assert response.status_code == 302 and response.url == "/admin/login/"
    assert "_auth_user_id" not in client.session


def test_the_code_page_sends_only_to_this_site(client, superuser, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = staff_device(superuser)
    sign_in(client, superuser)
    response = client.post(
        "/admin/second-factor/?next=https://evil.example/",
        {"otp_token": totp_code(device.key), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == "/admin/"


def test_a_superuser_resets_a_lost_app_and_its_sessions_end(
    client, superuser, clerk, django_user_model
):
    # given another superuser signed in with their app
    other = django_user_model.objects.create_superuser(
        email="other@example.com", password=PASSWORD
    )
    other_client = type(client)()
    other_client.force_login(other)
    session_verify(other_client, other)
    assert other_client.get("/admin/").status_code == 200
    # a clerk (who may change users) cannot reset it
    clerk.user_permissions.add(*Permission.objects.filter(codename="change_user"))
    clerk_client = type(client)()
    clerk_client.force_login(clerk)
    refused = clerk_client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [other.pk]},
        follow=True,
    )
    assert "Only a superuser may reset a second factor." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=other).count() == 1

    # when a superuser resets it
    client.force_login(superuser)
    session_verify(client, superuser)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [other.pk]},
    )
    assert response.status_code == 302
    # then the app is gone and the session it let in is closed until a new one is set up
    assert not TOTPDevice.objects.filter(user=other).exists()
    assert other_client.get("/admin/").status_code == 302
    assert other_client.get("/admin/login/").url.startswith(
        "/admin/second-factor/set-up/"
    )


def test_staff_sessions_are_shorter_than_customers(client, clerk, customer, settings):
    sign_in(client, clerk)
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_AGE
    assert settings.STAFF_SESSION_AGE == 8 * 3600
    other = type(client)()
    other.post("/account/sign-in/", {"username": customer.email, "password": PASSWORD})
    assert other.session["_auth_user_id"] == str(customer.pk)
    assert other.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600


def test_django_otp_s_own_device_admin_is_not_offered(client, superuser):
    client.force_login(superuser)
    session_verify(client, superuser)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert User.objects.filter(pk=superuser.pk).exists()

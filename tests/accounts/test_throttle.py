"""Failed sign-ins lock the account (and an IP); the lockout and its end are in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.models import Lockout
from apps.auditing.jobs import job_execute
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_counters():
    cache.delete_pattern("*accounts:login-failures:*")
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    for key in client.scan_iter("accounts:login-failures:*"):
        client.delete(key)
    yield


def _fail(client, email, times, ip="10.0.0.7"):
    from django.test import Client

    client = Client()  # an anonymous visitor, whoever else is signed in
    responses = []
    for _ in range(times):
        responses.append(
            client.post(
                "/account/sign-in/",
                {"username": email, "password": "wrong password"},
                REMOTE_ADDR=ip,
            )
        )
    return responses


def test_ten_wrong_passwords_lock_the_account_and_the_lockout_is_audited(
    client, audit_trail
):
    user = UserFactory(email="target@example.com")
    responses = _fail(client, "Target@Example.com", 10)
    assert all(r.status_code == 400 for r in responses)
    lockout = Lockout.objects.get(scope="account", key="target@example.com")
    assert lockout.failures == 10 and lockout.is_active
    (event,) = audit_trail.events(action="lockout")
    assert (event.table_name, event.row_pk) == ("accounts_user", str(user.pk))
    assert event.changes["failures"] == 10
    assert len(audit_trail.events(action="login_failed")) == 10
    # The right password no longer works while locked, and the page says why.
    response = client.post(
        "/account/sign-in/",
        {"username": "target@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_nine_failures_do_not_lock(client):
    UserFactory(email="nine@example.com")
    _fail(client, "nine@example.com", 9)
    assert not Lockout.objects.exists()
    response = client.post(
        "/account/sign-in/", {"username": "nine@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_lockout_also_guards_the_admin_login(client):
    UserFactory(email="boss@example.com", is_staff=True)
    _fail(client, "boss@example.com", 10)
    response = client.post(
        "/admin/login/", {"username": "boss@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_expiry_job_ends_the_lockout_and_audits_it(client, audit_trail):
    user = UserFactory(email="later@example.com")
    _fail(client, "later@example.com", 10)
    Lockout.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    run = job_execute("accounts.lockouts_expire")
    assert run.rows == 1
    lockout = Lockout.objects.get()
    assert lockout.ended_by == "expiry" and lockout.ended_at is not None
    (event,) = audit_trail.events(action="lockout_ended")
    assert event.row_pk == str(user.pk) and event.changes["by"] == "expiry"
    assert (
        client.post(
            "/account/sign-in/", {"username": "later@example.com", "password": PASSWORD}
        ).status_code
        == 302
    )
    assert job_execute("accounts.lockouts_expire").rows == 0


def test_password_reset_ends_an_account_lockout(client):
    from apps.accounts import services

    user = UserFactory(email="resetme@example.com")
    _fail(client, user.email, 10)
    raw = services.password_reset_request(email=user.email)
    services.password_reset_complete(raw_token=raw, new_password="brand new secret 42")
    assert Lockout.objects.get().ended_by == "password_reset"


def test_many_failures_from_one_ip_lock_that_ip(client, settings):
    settings.ACCOUNTS_IP_LOCKOUT_THRESHOLD = 5
    for i in range(5):
        _fail(client, f"someone{i}@example.com", 1, ip="10.9.9.9")
    assert Lockout.objects.filter(scope="ip", key="10.9.9.9").exists()
    other = UserFactory(email="innocent@example.com")
    response = client.post(
        "/account/sign-in/",
        {"username": other.email, "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429
    response = client.post(
        "/account/sign-in/",
        {"username": other.email, "password": PASSWORD},
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 302


def test_staff_can_end_a_lockout_in_the_admin(admin_client_staff, client):
    UserFactory(email="unlock@example.com")
    _fail(client, "unlock@example.com", 10)
    lockout = Lockout.objects.get()
    admin_client_staff.post(
        "/admin/accounts/lockout/",
        {"action": "end_now", "_selected_action": [lockout.pk]},
    )
    lockout.refresh_from_db()
    assert lockout.ended_by == "staff"

"""Failed sign-ins lock an account from one address, an address, or (many addresses) an
account; none of them locks a real user out from their own address, behind a proxy too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Lockout
from apps.auditing.jobs import job_execute
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the shop's reverse proxy: every request's REMOTE_ADDR behind it
ATTACKER = "198.51.100.66"


def _sign_in(email, password, *, ip=None, forwarded=None, path="/account/sign-in/"):
    """One anonymous sign-in: straight from `ip`, or through the proxy with `forwarded`
    as the X-Forwarded-For the proxy passes on (what the client sent, then its address)."""
    meta = {"REMOTE_ADDR": "127.0.0.1" if ip is None else ip}
    if forwarded is not None:
        meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    client = Client()
    response = client.post(path, {"username": email, "password": password}, **meta)
    response.signed_in = "_auth_user_id" in client.session
    return response


def _fail(email, times, ip="10.0.0.7", forwarded=None):
    return [
        _sign_in(email, "wrong password", ip=ip, forwarded=forwarded)
        for _ in range(times)
    ]


@pytest.fixture
def behind_proxy(settings):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1


def test_ten_wrong_passwords_lock_the_account_from_that_address_and_it_is_audited(
    audit_trail,
):
    user = UserFactory(email="target@example.com")
    responses = _fail("Target@Example.com", 10)
    assert [r.status_code for r in responses] == [400] * 10
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key, lockout.address) == (
        "pair",
        "target@example.com",
        "10.0.0.7",
    )
    assert lockout.failures == 10 and lockout.is_active
    (event,) = audit_trail.events(action="lockout")
    assert (event.table_name, event.row_pk) == ("accounts_user", str(user.pk))
    assert event.changes["failures"] == 10 and event.changes["address"] == "10.0.0.7"
    assert len(audit_trail.events(action="login_failed")) == 10
    # From that address the right password no longer works, and the page says why ...
    response = _sign_in("target@example.com", PASSWORD, ip="10.0.0.7")
    assert response.status_code == 429 and not response.signed_in
    assert b"Too many failed sign-in attempts" in response.content
    # ... while the owner, from their own address, signs in.
    response = _sign_in("target@example.com", PASSWORD, ip="10.0.0.8")
    assert response.status_code == 302 and response.signed_in


def test_nine_failures_do_not_lock():
    UserFactory(email="nine@example.com")
    _fail("nine@example.com", 9)
    assert not Lockout.objects.exists()
    assert _sign_in("nine@example.com", PASSWORD, ip="10.0.0.7").status_code == 302


def test_lockout_also_guards_the_admin_login():
    UserFactory(email="boss@example.com", is_staff=True)
    _fail("boss@example.com", 10)
    response = _sign_in(
        "boss@example.com", PASSWORD, ip="10.0.0.7", path="/admin/login/"
    )
    assert response.status_code == 200 and not response.signed_in
    assert b"Too many failed sign-in attempts" in response.content


def test_expiry_job_ends_the_lockout_and_audits_it(audit_trail):
    user = UserFactory(email="later@example.com")
    _fail("later@example.com", 10)
    Lockout.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    run = job_execute("accounts.lockouts_expire")
    assert run.rows == 1
    lockout = Lockout.objects.get()
    assert lockout.ended_by == "expiry" and lockout.ended_at is not None
    (event,) = audit_trail.events(action="lockout_ended")
    assert event.row_pk == str(user.pk) and event.changes["by"] == "expiry"
    assert _sign_in("later@example.com", PASSWORD, ip="10.0.0.7").status_code == 302
    assert job_execute("accounts.lockouts_expire").rows == 0


def test_a_password_reset_ends_the_account_lockout_and_the_pair_where_it_is_done(
    settings, django_capture_on_commit_callbacks
):
    from apps.accounts import services

    settings.ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD = 15
    user = UserFactory(email="resetme@example.com")
    _fail(user.email, 10, ip="10.0.0.7")  # someone guessing from .7
    _fail(user.email, 5, ip="10.0.0.9")  # the owner, forgetful, at .9
    assert sorted(Lockout.objects.values_list("scope", "address")) == [
        ("account", None),
        ("pair", "10.0.0.7"),
    ]
    raw = services.password_reset_request(email=user.email)
    new_password = "brand new secret 42"
    response = Client().post(
        f"/account/password-reset/{raw}/",
        {"password1": new_password, "password2": new_password},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302
    assert dict(Lockout.objects.values_list("scope", "ended_by")) == {
        "account": "password_reset",
        "pair": "",
    }
    assert _sign_in(user.email, new_password, ip="10.0.0.9").signed_in
    assert _sign_in(user.email, new_password, ip="10.0.0.7").status_code == 429


def test_many_failures_from_one_address_lock_it_except_for_accounts_known_there(
    settings,
):
    settings.ACCOUNTS_IP_LOCKOUT_THRESHOLD = 5
    regular = UserFactory(email="regular@example.com")
    assert _sign_in(regular.email, PASSWORD, ip="10.9.9.9").status_code == 302
    for i in range(5):
        _fail(f"someone{i}@example.com", 1, ip="10.9.9.9")
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key, lockout.address) == ("ip", "10.9.9.9", None)
    other = UserFactory(email="innocent@example.com")
    assert _sign_in(other.email, PASSWORD, ip="10.9.9.9").status_code == 429
    assert _sign_in(other.email, PASSWORD, ip="10.1.1.1").status_code == 302
    # Someone who signed in from that address before (a household, an office) still can.
    response = _sign_in(regular.email, PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and response.signed_in


def test_staff_can_end_a_lockout_in_the_admin(admin_client_staff):
    UserFactory(email="unlock@example.com")
    _fail("unlock@example.com", 10)
    lockout = Lockout.objects.get()
    admin_client_staff.post(
        "/admin/accounts/lockout/",
        {"action": "end_now", "_selected_action": [lockout.pk]},
    )
    lockout.refresh_from_db()
    assert lockout.ended_by == "staff"


# --- behind a reverse proxy ------------------------------------------------------------


def test_behind_a_proxy_one_attackers_flood_locks_only_the_attacker(behind_proxy):
    customer = UserFactory(email="customer@example.com")
    staff = UserFactory(email="staff@example.com", is_staff=True)
    # given: 50 failed sign-ins for made-up emails, each with a different forged address
    # in front of the one the proxy appends
    for i in range(50):
        response = _sign_in(
            f"nobody{i}@example.com",
            "wrong password",
            forwarded=f"203.0.113.{i}, {ATTACKER}",
        )
        assert response.status_code == 400
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key) == ("ip", ATTACKER)
    # then: the attacker is refused, whatever they write in front, with a right password too
    for forwarded in (ATTACKER, f"192.0.2.1, {ATTACKER}", f"{PROXY}, {ATTACKER}"):
        response = _sign_in(customer.email, PASSWORD, forwarded=forwarded)
        assert response.status_code == 429 and not response.signed_in
    # and every other customer and staff member, through the same proxy, signs in
    response = _sign_in(customer.email, PASSWORD, forwarded="198.51.100.7")
    assert response.status_code == 302 and response.signed_in
    response = _sign_in(
        staff.email, PASSWORD, forwarded="198.51.100.8", path="/admin/login/"
    )
    assert response.status_code == 302 and response.signed_in


def test_behind_a_proxy_a_forged_leftmost_address_does_not_escape_the_lock(
    behind_proxy,
):
    victim = UserFactory(email="victim@example.com")
    # The attacker writes the victim's own address in front of theirs on every try.
    for _ in range(10):
        _sign_in(victim.email, "wrong password", forwarded=f"198.51.100.7, {ATTACKER}")
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.address) == ("pair", ATTACKER)
    response = _sign_in(
        victim.email, PASSWORD, forwarded=f"198.51.100.7, 198.51.100.8, {ATTACKER}"
    )
    assert response.status_code == 429 and not response.signed_in
    # The victim, from the address the attacker wrote, is not locked out.
    response = _sign_in(victim.email, PASSWORD, forwarded="198.51.100.7")
    assert response.status_code == 302 and response.signed_in


def test_behind_a_proxy_the_trail_names_the_client_not_the_proxy(
    behind_proxy, audit_trail
):
    _sign_in("who@example.com", "wrong password", forwarded=f"192.0.2.9, {ATTACKER}")
    (event,) = audit_trail.events(action="login_failed")
    assert event.ip == ATTACKER and event.changes["ip"] == ATTACKER


def test_many_addresses_guessing_one_account_lock_it_for_new_addresses_only(
    behind_proxy, settings
):
    settings.ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD = 5
    owner = UserFactory(email="owner@example.com")
    assert _sign_in(owner.email, PASSWORD, forwarded="198.51.100.7").signed_in
    for i in range(5):
        _sign_in(owner.email, "wrong password", forwarded=f"203.0.113.{i}")
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key, lockout.address) == (
        "account",
        owner.email,
        None,
    )
    # A new address is refused, the right password or not ...
    assert _sign_in(owner.email, PASSWORD, forwarded="203.0.113.99").status_code == 429
    # ... the owner's usual address is not.
    response = _sign_in(owner.email, PASSWORD, forwarded="198.51.100.7")
    assert response.status_code == 302 and response.signed_in


def test_without_an_address_the_account_alone_is_counted():
    UserFactory(email="nowhere@example.com")
    _fail("nowhere@example.com", 10, ip="")
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key, lockout.address) == (
        "account",
        "nowhere@example.com",
        None,
    )
    assert _sign_in("nowhere@example.com", PASSWORD, ip="").status_code == 429


def test_an_ipv6_client_is_counted_by_its_64_whichever_address_it_takes(settings):
    settings.ACCOUNTS_IP_LOCKOUT_THRESHOLD = 5
    for i in range(1, 6):
        _fail(f"someone{i}@example.com", 1, ip=f"2001:db8:1:2::{i:x}")
    lockout = Lockout.objects.get()
    assert (lockout.scope, lockout.key) == ("ip", "2001:db8:1:2::")
    customer = UserFactory(email="v6@example.com")
    assert (
        _sign_in(customer.email, PASSWORD, ip="2001:db8:1:2:ff::9").status_code == 429
    )
    assert _sign_in(customer.email, PASSWORD, ip="2001:db8:1:3::9").signed_in

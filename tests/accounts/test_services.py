"""Accounts services the back office writes through, and the refusals they translate by
constraint name (each refusal changes nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts import services, throttle
from apps.accounts.errors import EmailTaken, PreferencesInvalid, RoleInUse
from apps.accounts.models import Address, Lockout, Role, User
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def _users() -> list[tuple]:
    return list(User.all_objects.order_by("pk").values_list())


def test_user_create_opens_an_account_with_or_without_a_password(staff):
    with_password = services.user_create(
        email=" New@Example.com", password="a long enough secret 42", actor=staff
    )
    without = services.user_create(email="nopass@example.com", password=None)
    assert with_password.email == "New@example.com"
    assert with_password.check_password("a long enough secret 42")
    assert not without.has_usable_password()
    assert (without.is_staff, without.is_superuser) == (False, False)


def test_user_create_refuses_a_taken_email_and_creates_nothing():
    UserFactory(email="taken@example.com")
    before = _users()
    with pytest.raises(EmailTaken) as caught:
        services.user_create(email="TAKEN@example.com", password=None)
    assert caught.value.code == "email_taken"
    assert _users() == before


def test_user_update_changes_profile_and_access_with_the_actor_in_history(staff):
    user = UserFactory(full_name="Before")
    updated = services.user_update(
        user=user, full_name="After", phone="+49 30 1234", is_staff=True, actor=staff
    )
    assert (updated.full_name, updated.phone, updated.is_staff) == (
        "After",
        "+49 30 1234",
        True,
    )
    latest = User.objects.get(pk=user.pk).history.latest()
    assert (latest.full_name, latest.history_user_id) == ("After", staff.pk)


def test_user_update_refuses_a_taken_email_by_check_and_by_index(monkeypatch):
    UserFactory(email="taken@example.com")
    user = UserFactory(email="mine@example.com")
    before = _users()
    with pytest.raises(EmailTaken):
        services.user_update(user=user, email="taken@example.com")
    # As if the address was taken after the check: the alive-unique index refuses.
    monkeypatch.setattr(services, "_email_free", lambda email, own_pk=None: email)
    with pytest.raises(EmailTaken):
        services.user_update(user=user, email="Taken@example.com", full_name="X")
    assert _users() == before


def test_user_update_refuses_fields_it_does_not_own():
    with pytest.raises(TypeError, match="password"):
        services.user_update(user=UserFactory(), password="x")


def test_unknown_preferences_are_refused_by_the_trigger_by_name(monkeypatch):
    user = UserFactory()
    # As if Python knew a key the database does not (a deploy before its migration).
    monkeypatch.setattr(services, "preferences_validate", lambda value: value)
    before = _users()
    with pytest.raises(PreferencesInvalid) as caught:
        services.user_update(user=user, preferences={"colour": "red"})
    assert caught.value.code == "preferences_invalid"
    assert _users() == before


def test_password_set_by_staff(staff, audit_trail):
    user = UserFactory()
    services.password_set(user=user, password="another long secret 7", actor=staff)
    assert User.objects.get(pk=user.pk).check_password("another long secret 7")
    services.password_set(user=user, password=None, actor=staff)
    assert not User.objects.get(pk=user.pk).has_usable_password()
    assert [e.changes for e in audit_trail.events(action="password_change")] == [
        {"by_staff": True, "usable": True},
        {"by_staff": True, "usable": False},
    ]


def test_role_delete_refuses_a_role_in_use_and_deletes_a_free_one(staff):
    parent = Role.objects.create(name="Parent")
    child = Role.objects.create(name="Child", parent=parent)
    services.role_grant(user=UserFactory(), role=child, actor=staff)
    for role in (parent, child):
        with pytest.raises(RoleInUse) as caught:
            services.role_delete(role=role, actor=staff)
        assert caught.value.code == "role_in_use"
    assert Role.objects.filter(pk__in=[parent.pk, child.pk]).count() == 2
    free = Role.objects.create(name="Free")
    services.role_delete(role=free, actor=staff)
    assert not Role.objects.filter(pk=free.pk).exists()


def test_lockout_end_records_its_reason():
    lockout = Lockout.objects.create(
        scope="account",
        key="locked@example.com",
        locked_until=timezone.now() + dt.timedelta(minutes=5),
        failures=10,
    )
    assert throttle.lockout_end(lockout=lockout, reason="staff") is True
    assert throttle.lockout_end(lockout=lockout, reason="expiry") is False
    assert Lockout.objects.get(pk=lockout.pk).ended_by == "staff"


def test_a_second_lockout_of_the_same_key_is_no_error():
    first = throttle._lock("ip", "10.0.0.9", 20, None)
    assert throttle._lock("ip", "10.0.0.9", 21, None) is None
    assert list(Lockout.objects.values_list("pk", flat=True)) == [first.pk]


def test_staff_address_changes_keep_one_default(staff):
    user = UserFactory()
    first = AddressFactory(user=user, is_default=True)
    second = services.address_create(
        user=user,
        data={
            "kind": "shipping",
            "full_name": "Second",
            "line1": "Street 2",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "de",
        },
        make_default=True,
        actor=staff,
    )
    assert list(
        Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True)
    ) == [second.pk]
    services.address_delete(address=second, actor=staff)
    assert Address.objects.get(pk=first.pk).is_default
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)

"""The database keeps the accounts rules, whoever writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.accounts.models import Address, Role, User
from apps.auditing.errors import RestoreConflict
from apps.auditing.validators import validate_phone
from apps.inventory.models import Supplier
from tests.accounts.factories import AddressFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _execute(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert_user(email: str):
    _execute(
        "INSERT INTO accounts_user (email, password, full_name, phone, is_staff, is_active, is_superuser,"
        " date_joined, preferences) VALUES (%s, '!', '', '', false, true, false, now(), '{}')",
        [email],
    )


def test_email_is_unique_case_insensitively_among_alive_users():
    UserFactory(email="Alice@X.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="alice@x.com", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_user("ALICE@x.COM")
    assert User.all_objects.filter(email__iexact="alice@x.com").count() == 1


def test_deleted_users_email_can_be_reused_and_restore_then_refuses():
    first = UserFactory(email="Alice@X.com")
    first.soft_delete()
    second = User.objects.create_user(email="alice@x.com", password="x")
    assert second.pk != first.pk
    first = User.all_objects.get(pk=first.pk)
    with pytest.raises(RestoreConflict, match="cannot be restored"):
        first.restore()
    assert User.deleted_objects.filter(pk=first.pk).exists()


def test_deleted_user_cannot_sign_in(client):
    user = UserFactory(email="gone@example.com")
    user.soft_delete()
    assert not client.login(
        username="gone@example.com", password="correct horse battery"
    )


def test_preferences_with_an_unknown_key_are_refused_by_the_database():
    user = UserFactory()
    with (
        pytest.raises(DatabaseError, match="accounts_user_preferences_known_keys"),
        transaction.atomic(),
    ):
        _execute(
            'UPDATE accounts_user SET preferences = \'{"colour": "red"}\' WHERE id = %s',
            [user.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute(
            "UPDATE accounts_user SET preferences = '[1, 2]' WHERE id = %s", [user.pk]
        )
    user.refresh_from_db()
    assert user.preferences == {}


@pytest.mark.parametrize(
    ("table", "make"),
    [
        ("accounts_user", lambda: UserFactory(phone="+49 30 1234")),
        ("accounts_address", lambda: AddressFactory(phone="+49 30 1234")),
        (
            "inventory_supplier",
            lambda: Supplier.objects.create(name="S", phone="030 1234"),
        ),
    ],
)
@pytest.mark.parametrize(
    "phone", ["call me", "1234", "+49 30 1234\n", "+" + "1" * 31, "49+30"]
)
def test_a_phone_outside_the_rule_is_refused_by_the_database(table, make, phone):
    row = make()
    before = _phone(table, row.pk)
    with (
        pytest.raises(DatabaseError, match=f"{table}_phone_valid"),
        transaction.atomic(),
    ):
        _execute(
            f"UPDATE {table} SET phone = %s WHERE id = %s",  # noqa: S608
            [phone, row.pk],
        )
    assert _phone(table, row.pk) == before
    with pytest.raises(ValidationError):  # the form's rule: the same one
        validate_phone(phone)


@pytest.mark.parametrize("phone", ["", "+49 (30) 123-45/6.7", "12345"])
def test_a_phone_inside_the_rule_is_kept_by_the_database(phone):
    user = UserFactory()
    _execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [phone, user.pk])
    assert _phone("accounts_user", user.pk) == phone
    if phone:
        validate_phone(phone)


def _phone(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_one_default_address_per_kind_is_enforced_by_the_database():
    address = AddressFactory(is_default=True)
    AddressFactory(user=address.user, kind="billing", is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=address.user, kind="shipping", is_default=True)
    second = AddressFactory(user=address.user, kind="shipping", is_default=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        _execute(
            "UPDATE accounts_address SET is_default = true WHERE id = %s", [second.pk]
        )
    # A soft-deleted default no longer counts.
    address.soft_delete()
    Address.objects.filter(pk=second.pk).update(is_default=True)
    assert Address.objects.get(pk=second.pk).is_default


def test_role_cycle_inserted_by_raw_sql_is_refused():
    a = RoleFactory(name="A")
    b = RoleFactory(name="B", parent=a)
    c = RoleFactory(name="C", parent=b)
    with (
        pytest.raises(DatabaseError, match="accounts_role_no_cycle"),
        transaction.atomic(),
    ):
        _execute("UPDATE accounts_role SET parent_id = %s WHERE id = %s", [c.pk, a.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute("UPDATE accounts_role SET parent_id = id WHERE id = %s", [a.pk])
    assert Role.objects.get(pk=a.pk).parent_id is None


def test_tokens_are_stored_only_as_hashes():
    from apps.accounts.models import AccountToken
    from apps.accounts.tokens import token_hash, token_issue, token_raw

    user = UserFactory()
    raw = token_raw(token_issue(user=user, purpose="verify_email", ttl_seconds=60))
    stored = AccountToken.objects.get(user=user)
    assert stored.token_hash == token_hash(raw) and raw not in stored.token_hash
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM auditing_auditevent_all WHERE changes::text LIKE %s",
            [f"%{raw}%"],
        )
        assert cursor.fetchone()[0] == 0


def test_passwords_never_reach_the_audit_trail(audit_trail):
    user = UserFactory()
    user.set_password("another long secret")
    user.save(update_fields=["password"])
    events = audit_trail.events(table_name="accounts_user", row_pk=str(user.pk))
    assert [e.action for e in events] == ["insert", "update", "update"]
    assert "password" not in events[0].changes
    for event in events:
        assert "argon2" not in str(event.changes) and "md5" not in str(event.changes)
    assert events[-1].changes == {"password": ["[withheld]", "[withheld]"]}


def test_default_roles_form_a_tree():
    roles = {r.name: r for r in Role.objects.select_related("parent")}
    assert {
        "Staff",
        "Support",
        "Catalog manager",
        "Warehouse",
        "Finance",
        "Administrator",
    } <= set(roles)
    assert roles["Support"].parent.name == "Staff"
    assert roles["Finance"].parent.name == "Support"
    assert roles["Staff"].parent is None

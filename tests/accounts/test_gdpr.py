"""Export gives a person all their data; erasure leaves no trace of who they were."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts import gdpr, services
from apps.accounts.models import Address, Lockout, User
from apps.auditing.context import audit_context
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

CITY, POSTAL_CODE = "Erinstadt", "D-10117"
EMAIL, NAME, PHONE, STREET = (
    "Erin.Erased@example.com",
    "Erin Erasmus",
    "+49 30 1234567",
    "Geheimweg 42",
)


@pytest.fixture
def person(client):
    user = UserFactory(email=EMAIL, full_name=NAME, phone=PHONE)
    AddressFactory(
        user=user,
        full_name=NAME,
        line1=STREET,
        phone=PHONE,
        city=CITY,
        postal_code=POSTAL_CODE,
        is_default=True,
    )
    services.profile_update(user=user, full_name=NAME + " Jr", phone=PHONE)
    services.profile_update(user=user, full_name=NAME, phone=PHONE)
    client.post(
        "/account/sign-in/",
        {"username": EMAIL.upper(), "password": "wrong"},
        REMOTE_ADDR="10.7.7.7",
    )
    client.post(
        "/account/sign-in/",
        {"username": EMAIL, "password": PASSWORD},
        REMOTE_ADDR="10.7.7.7",
    )
    with audit_context(
        source="web", actor_id=user.pk, actor_kind="customer", ip="10.7.7.7"
    ):
        services.preferences_update(user=user, changes={"theme": "dark"})
    # A lockout of the account, over now: its key is the email.
    Lockout.objects.create(
        scope="account",
        key=EMAIL.lower(),
        locked_at=timezone.now() - dt.timedelta(hours=1),
        locked_until=timezone.now() - dt.timedelta(minutes=45),
        ended_at=timezone.now() - dt.timedelta(minutes=45),
        failures=10,
    )
    return user


def _count(sql: str, terms) -> int:
    with connection.cursor() as cursor:
        total = 0
        for term in terms:
            cursor.execute(sql, [f"%{term.lower()}%"])
            total += cursor.fetchone()[0]
        return total


def test_export_holds_profile_addresses_and_security_events(person, audit_trail):
    data = gdpr.account_export(user=person)
    assert data["profile"]["email"] == EMAIL and data["profile"]["full_name"] == NAME
    assert data["addresses"][0]["line1"] == STREET
    assert {"login", "login_failed", "preference_change"} <= {
        e["action"] for e in data["security_events"]
    }
    json.dumps(data)  # JSON-ready
    assert audit_trail.events(action="data_export")[0].row_pk == str(person.pk)


def test_customer_can_download_their_data(client, person):
    response = client.get("/account/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert json.loads(response.content)["profile"]["email"] == EMAIL


def test_erase_leaves_no_trace_in_users_addresses_trail_or_history(person, audit_trail):
    terms = [EMAIL, NAME, PHONE, STREET, "erin.erased", CITY, POSTAL_CODE]
    assert (
        _count(
            "SELECT count(*) FROM auditing_auditevent_all WHERE lower(changes::text) LIKE %s",
            terms,
        )
        > 0
    )
    gdpr.account_erase(user=person)
    tables = {
        "accounts_user": "lower(concat_ws(' ', email, full_name, phone))",
        "accounts_address": "lower(concat_ws(' ', full_name, line1, line2, phone, company, city, postal_code))",
        "accounts_lockout": "lower(key)",
        "accounts_historicaluser": "lower(concat_ws(' ', email, full_name, phone))",
        "auditing_auditevent_all": "lower(concat_ws(' ', changes::text, context::text))",
    }
    for table, text in tables.items():
        assert (
            _count(f"SELECT count(*) FROM {table} WHERE {text} LIKE %s", terms) == 0
        ), table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM auditing_auditevent_all WHERE actor_id = %s AND ip IS NOT NULL",
            [person.pk],
        )
        assert cursor.fetchone()[0] == 0
    erased = User.all_objects.get(pk=person.pk)
    assert erased.email == f"erased-{person.pk}@erased.invalid"
    assert erased.erased_at and erased.deleted_at and not erased.has_usable_password()
    assert not Address.objects.filter(user=erased).exists()
    assert audit_trail.events(action="account_erased")[0].row_pk == str(person.pk)
    # The trail still says what happened, when and by whom: only the personal values are gone.
    from apps.auditing.models import AuditEvent

    kept = set(
        AuditEvent.objects.filter(
            table_name="accounts_user", row_pk=str(person.pk)
        ).values_list("action", flat=True)
    )
    assert {
        "insert",
        "update",
        "login",
        "login_failed",
        "preference_change",
        "account_erased",
    } <= kept
    assert (
        audit_trail.events(action="audit_redacted")[0].changes["reason"]
        == "account_erase"
    )


def test_erased_email_can_sign_up_again(person):
    gdpr.account_erase(user=person)
    again = services.user_register(email=EMAIL, password=PASSWORD)
    assert again.pk != person.pk


def test_staff_export_and_erase_actions(admin_client_staff, person, audit_trail):
    response = admin_client_staff.post(
        "/admin/accounts/user/",
        {"action": "export_data", "_selected_action": [person.pk]},
    )
    assert (
        response.status_code == 200
        and json.loads(response.content)[EMAIL]["profile"]["full_name"] == NAME
    )
    response = admin_client_staff.post(
        "/admin/accounts/user/",
        {"action": "erase_data", "_selected_action": [person.pk]},
    )
    assert response.status_code == 200 and b"cannot be undone" in response.content
    assert User.all_objects.get(pk=person.pk).erased_at is None  # asked, not done
    response = admin_client_staff.post(
        "/admin/accounts/user/",
        {"action": "erase_data", "_selected_action": [person.pk], "confirm": "erase"},
    )
    assert response.status_code == 302
    assert User.all_objects.get(pk=person.pk).erased_at is not None
    erased_event = audit_trail.events(action="account_erased")[0]
    assert erased_event.source == "admin" and erased_event.actor_kind == "staff"


def test_audit_redaction_cannot_forge_who_or_what(person):
    from django.db import DatabaseError, transaction

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('auditing.redaction', 'on', true)")
        cursor.execute(
            "UPDATE auditing_auditevent SET action = 'nothing' WHERE actor_id = %s",
            [person.pk],
        )
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('auditing.redaction', 'on', true)")
        cursor.execute(
            "DELETE FROM auditing_auditevent WHERE actor_id = %s", [person.pk]
        )


def test_export_and_erasure_name_who_asked(audit_trail, staff):
    person = UserFactory()
    gdpr.account_export(user=person, actor=staff)
    gdpr.account_erase(user=person, actor=staff)
    for action in ("data_export", "account_erased"):
        (event,) = audit_trail.events(action=action)
        assert (event.actor_id, event.actor_kind) == (staff.pk, "staff")

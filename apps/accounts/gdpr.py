"""A person's data: export it all, or erase it (keeping financial records, pseudonymised).

Apps that hold personal data (orders, payments) register an exporter, an eraser and the
personal values they hold (for the audit trail's redaction) here from their
AppConfig.ready(), so accounts never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from apps.auditing.selectors import audit_row_history
from apps.auditing.services import audit_record, audit_redact

from . import services
from .models import AccountToken, Address, Lockout, User

EXPORTERS: dict[str, Callable[[User], Any]] = {}
ERASERS: dict[str, Callable[[User], list[tuple[str, Any]]]] = {}
TERMS: dict[str, Callable[[User], list[str]]] = {}

PROFILE_FIELDS = (
    "id",
    "email",
    "full_name",
    "phone",
    "date_joined",
    "last_login",
    "email_verified_at",
    "is_active",
)
ADDRESS_FIELDS = (
    "id",
    "is_default",
    *services.ADDRESS_FIELDS,
    "created_at",
    "deleted_at",
)
SECURITY_ACTIONS = (
    "signup",
    "login",
    "logout",
    "login_failed",
    "lockout",
    "lockout_ended",
    "password_change",
    "password_reset",
    "password_reset_requested",
    "email_verified",
    "role_granted",
    "role_revoked",
    "preference_change",
    "data_export",
)


def register_exporter(name: str, func: Callable[[User], Any]) -> None:
    EXPORTERS[name] = func


def register_eraser(name: str, func: Callable[[User], list[tuple[str, Any]]]) -> None:
    """`func(user)` pseudonymises the app's records and returns the (table, pk) rows it touched."""
    ERASERS[name] = func


def register_terms(name: str, func: Callable[[User], list[str]]) -> None:
    """`func(user)` names the personal values the app holds of them (an order's address):
    erasure scrubs them from the audit trail too."""
    TERMS[name] = func


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def account_export(*, user: User, actor: User | None = None) -> dict[str, Any]:
    """Everything the shop holds about a person, as JSON-ready data; audited.

    `actor`: who asked for it (the person, or staff), recorded on the export's event.
    """
    data = {
        "profile": {f: _plain(getattr(user, f)) for f in PROFILE_FIELDS},
        "preferences": user.preferences,
        "addresses": [
            {f: _plain(getattr(a, f)) for f in ADDRESS_FIELDS}
            for a in Address.all_objects.filter(user=user).order_by("pk")
        ],
        "roles": list(
            user.role_grants.values_list("role__name", flat=True).order_by("role__name")
        ),
        "security_events": [
            {
                "at": e.occurred_at.isoformat(),
                "action": e.action,
                "ip": e.ip,
                "source": e.source,
                "details": e.changes,
            }
            # Complete at once: events still waiting for the drain are included.
            for e in audit_row_history(
                table_name="accounts_user", row_pk=user.pk, include_pending=True
            )
            .filter(action__in=SECURITY_ACTIONS)
            .order_by("id")
        ],
    }
    for name, exporter in sorted(EXPORTERS.items()):
        data[name] = exporter(user)
    audit_record("data_export", table_name="accounts_user", row_pk=user.pk, actor=actor)
    return data


def _personal_terms(user: User, addresses: list[Address]) -> list[str]:
    terms = [user.email, user.full_name, user.phone, user.email.split("@")[0]]
    for a in addresses:
        terms += [
            a.full_name,
            a.company,
            a.line1,
            a.line2,
            a.phone,
            a.city,
            a.postal_code,
        ]
    return [t for t in terms if t and len(t) >= 3]


@transaction.atomic
def account_erase(*, user: User, actor: User | None = None) -> None:
    """Anonymise a person everywhere: account, addresses, audit trail and staff history.

    `actor`: who erased it (staff), recorded on the erasure's event.
    """
    user = User.all_objects.select_for_update().get(pk=user.pk)
    addresses = list(
        Address.all_objects.select_for_update().filter(user=user).order_by("pk")
    )
    terms = _personal_terms(user, addresses)
    for _name, more in sorted(TERMS.items()):
        terms += [t for t in more(user) if t and len(t) >= 3]
    pseudonym = f"erased-{user.pk}@erased.invalid"
    now = timezone.now()

    User.all_objects.filter(pk=user.pk).update(
        email=pseudonym,
        full_name="",
        phone="",
        password=make_password(None),
        is_active=False,
        preferences={},
        email_verified_at=None,
        erased_at=now,
        deleted_at=user.deleted_at or now,
    )
    Address.all_objects.filter(user=user).update(
        full_name="[erased]",
        company="",
        line1="[erased]",
        line2="",
        phone="",
        region="",
        city="[erased]",
        postal_code="",
        is_default=False,
        deleted_at=now,
    )
    AccountToken.objects.filter(user=user).delete()
    # Lockouts of the account are keyed by its email.
    lockouts = list(
        Lockout.objects.filter(scope="account", key=user.email.lower()).values_list(
            "pk", flat=True
        )
    )
    Lockout.objects.filter(pk__in=lockouts).update(key=pseudonym)
    rows: list[tuple[str, Any]] = [
        ("accounts_user", user.pk),
        *(("accounts_address", a.pk) for a in addresses),
        *(("accounts_lockout", pk) for pk in lockouts),
    ]
    for _name, eraser in sorted(ERASERS.items()):
        rows += eraser(user)

    # The history is append-only; the owner's function scrubs an erased account's rows
    # (migration accounts.0008).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT accounts_user_history_scrub(%s, %s)", [user.pk, pseudonym]
        )
    audit_redact(terms=terms, rows=rows, actor_ids=[user.pk], reason="account_erase")
    audit_record(
        "account_erased", table_name="accounts_user", row_pk=user.pk, actor=actor
    )

"""Payments' share of a person's data: saved cards exported, and switched off at erasure.

Payments and the ledger are financial records and stay; they hold no personal data beyond the
order they belong to (which orders pseudonymises). Registered with accounts' GDPR registry
from PaymentsConfig.ready, so accounts never imports payments.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import PaymentMethod


def payment_methods_export(user) -> list[dict[str, Any]]:
    """A customer's saved cards as they see them (never the gateway's token)."""
    return [
        {
            "brand": brand,
            "last4": last4,
            "expires": f"{month:02d}/{year}",
            "saved_at": created.isoformat(),
            "active": active,
        }
        for brand, last4, month, year, created, active in PaymentMethod.objects.filter(
            customer=user
        )
        .order_by("created_at", "id")
        .values_list(
            "brand", "last4", "exp_month", "exp_year", "created_at", "is_active"
        )
    ]


def payment_methods_erase(user) -> list[tuple[str, Any]]:
    """Switch an erased customer's saved cards off: nobody can pay with them again."""
    active = list(
        PaymentMethod.objects.select_for_update()
        .filter(customer=user, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    PaymentMethod.objects.filter(pk__in=active).update(
        is_active=False, deactivated_at=timezone.now()
    )
    return [("payments_paymentmethod", pk) for pk in active]

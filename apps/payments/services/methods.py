"""Saved payment methods: a gateway token and what may be shown, never a card number."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors

from ..errors import CardNumberRefused, PaymentMethodInvalid
from ..models import CARD_NUMBER_LIKE, PaymentMethod

if TYPE_CHECKING:
    from apps.accounts.models import User

_CARD = re.compile(CARD_NUMBER_LIKE)


@transaction.atomic
def payment_method_add(
    *,
    customer: User,
    gateway: str,
    token: str,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
    actor: User | None,
) -> PaymentMethod:
    """Save a card the gateway tokenized for a customer."""
    if any(_CARD.search(value or "") for value in (token, brand, gateway)):
        raise CardNumberRefused()
    if not re.fullmatch(r"[0-9]{4}", last4 or ""):
        raise PaymentMethodInvalid("The last four digits must be four digits.")
    if not 1 <= exp_month <= 12:
        raise PaymentMethodInvalid("The expiry month must be between 1 and 12.")
    with constraint_errors(
        {
            "payments_paymentmethod_token_not_card_number": CardNumberRefused,
            "payments_paymentmethod_token_unique": PaymentMethodInvalid,
            "payments_paymentmethod_expiry_valid": PaymentMethodInvalid,
        }
    ):
        return PaymentMethod.objects.create(
            customer=customer,
            gateway=gateway,
            token=token,
            brand=brand,
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
        )


@transaction.atomic
def payment_method_deactivate(
    *, method: PaymentMethod, actor: User | None
) -> PaymentMethod:
    """Switch a saved method off (payments made with it keep pointing at it)."""
    if method.is_active:
        method.is_active, method.deactivated_at = False, timezone.now()
        method.save(update_fields=["is_active", "deactivated_at"])
    return method

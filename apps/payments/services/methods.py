"""Saved payment methods: a gateway token and what may be shown, never a card number."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors

from ..errors import CardNotSaved, CardNumberRefused, PaymentMethodInvalid
from ..gateway import GatewayUnreachable, gateway_get
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


def payment_method_save(
    *, customer: User, token: str, actor: User | None
) -> PaymentMethod:
    """Save a new card for a customer: the gateway turns the card form's one-time token into
    a reusable one and says its brand, last four digits and expiry; the shop keeps those.

    Called outside any transaction (the gateway is called first). CardNotSaved when the
    gateway refuses the token or does not answer.
    """
    if _CARD.search(token or ""):
        raise CardNumberRefused()
    gateway = gateway_get()
    try:
        card = gateway.tokenize(token=token)
    except GatewayUnreachable as exc:
        raise CardNotSaved(
            "The payment provider did not answer. Please try again in a moment."
        ) from exc
    if card is None:
        raise CardNotSaved()
    return payment_method_add(
        customer=customer,
        gateway=gateway.name,
        token=card.token,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        actor=actor,
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

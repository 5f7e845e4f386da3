"""Disputes the customer's bank opens: a lost one takes money back through the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors
from apps.orders.models import Order

from ..errors import DisputeInvalid, formatted
from ..models import Dispute, Kind, Payment, PaymentTransaction
from .attempts import payment_event

if TYPE_CHECKING:
    from apps.accounts.models import User


@transaction.atomic
def dispute_open(
    *,
    payment: Payment,
    gateway_reference: str,
    amount: Decimal,
    respond_by: dt.datetime,
    reason: str = "",
    actor: User | None = None,
) -> Dispute:
    """Record a dispute the gateway reported (the same reference again: the same dispute)."""
    # The payment's lock first: two reports of one new dispute arriving together take turns,
    # and the second finds the first's dispute instead of meeting the unique reference.
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    existing = Dispute.objects.filter(gateway_reference=gateway_reference).first()
    if existing is not None:
        return existing
    if amount is None or amount <= 0 or amount > payment.kept:
        raise formatted(
            DisputeInvalid, reason=f"the amount must be between 0 and {payment.kept}"
        )
    return Dispute.objects.create(
        payment=payment,
        gateway_reference=gateway_reference,
        amount=amount,
        reason=reason,
        respond_by=respond_by,
    )


@transaction.atomic
def dispute_evidence_set(
    *, dispute: Dispute, notes: str, actor: User | None
) -> Dispute:
    """Keep staff's evidence notes for an open dispute."""
    dispute.evidence_notes = notes
    dispute.save(update_fields=["evidence_notes"])
    return dispute


@transaction.atomic
def dispute_close(*, dispute: Dispute, won: bool, actor: User | None) -> Dispute:
    """Record the bank's decision: lost takes the amount back (a chargeback in the ledger);
    won after a loss gives it back (a reversal)."""
    payment = Payment.objects.get(pk=dispute.payment_id)
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    to = Dispute.Status.WON if won else Dispute.Status.LOST
    if dispute.status == to:
        return dispute
    if (dispute.status, to) not in (
        ("opened", "won"),
        ("opened", "lost"),
        ("lost", "won"),
    ):
        raise formatted(DisputeInvalid, reason=f"it is already {dispute.status}")
    kind = None
    if to == Dispute.Status.LOST:
        kind = Kind.CHARGEBACK
    elif dispute.status == Dispute.Status.LOST:
        kind = Kind.CHARGEBACK_REVERSAL
    if kind is not None:
        with constraint_errors(
            {
                "payments_payment_refunded_lte_captured": lambda: formatted(
                    DisputeInvalid, reason="more than the payment kept would be taken"
                )
            }
        ):
            PaymentTransaction.objects.create(
                payment=payment,
                dispute=dispute,
                kind=kind,
                amount=dispute.amount,
                currency=payment.currency,
                outcome=PaymentTransaction.Outcome.SUCCEEDED,
                gateway_reference=dispute.gateway_reference,
                idempotency_key=f"dispute-{dispute.pk}-{kind}",
                actor_id=actor.pk if actor is not None else None,
            )
    dispute.status, dispute.closed_at = to, timezone.now()
    dispute.save(update_fields=["status", "closed_at"])
    payment.refresh_from_db()
    payment_event(
        payment, order, f"payment.dispute_{to}", dispute=dispute.gateway_reference
    )
    return dispute

"""One gateway call in three steps: record the intent, call, record the outcome.

`attempt_record` writes the intent in the caller's transaction (the payment row locked, one
open attempt per payment); the caller commits; `attempt_execute` calls the gateway outside any
transaction and `attempt_settle` records the outcome in a transaction of its own that first
locks the order row, so a payment's outcome and the orders' expiry job never interleave.
The same idempotency key always names the same attempt, and the gateway answers a key it
saw with its first answer: a retry never moves money twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors
from apps.inventory.errors import OutOfStock
from apps.inventory.services import Line, reservations_of, stock_reserve
from apps.orders.models import Order, Status
from apps.orders.outbox import outbox_write
from apps.orders.services import order_mark_paid

from ..errors import PaymentBusy
from ..gateway import FAILED, MANUAL, GatewayResult, GatewayUnreachable, gateway_for
from ..models import Payment, PaymentAttempt, PaymentStatus, PaymentTransaction

if TYPE_CHECKING:
    from apps.accounts.models import User

SETTLED = (PaymentAttempt.Status.SUCCEEDED, PaymentAttempt.Status.FAILED)
ORDER_OWNER = "order"  # the orders' reservation owner type


@dataclass(frozen=True)
class Settlement:
    """What recording an outcome decided: the order paid, or the money to give back."""

    attempt: PaymentAttempt
    order_paid: bool = False
    release: bool = False  # authorized for an order that will not ship: void it


def attempt_record(
    *,
    payment: Payment,
    kind: str,
    amount: Decimal,
    idempotency_key: str,
    actor: User | None,
) -> tuple[PaymentAttempt, bool]:
    """Record the intent of a call (in the caller's transaction); (attempt, created).

    The payment row is locked first, so two requests under one key wait for each other and
    the second finds the first's attempt.
    """
    Payment.objects.select_for_update().filter(pk=payment.pk).first()
    existing = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    with constraint_errors({"payments_paymentattempt_one_open": PaymentBusy}):
        attempt = PaymentAttempt.objects.create(
            payment=payment,
            kind=kind,
            amount=amount,
            idempotency_key=idempotency_key,
            actor_id=actor.pk if actor is not None else None,
        )
    return attempt, True


def gateway_call(attempt: PaymentAttempt, *, token: str = "") -> GatewayResult:
    """Make the attempt's call (outside any transaction); raises GatewayUnreachable."""
    payment = attempt.payment
    gateway = gateway_for(payment.gateway)
    key, amount = attempt.idempotency_key, attempt.amount
    if attempt.kind == "authorize":
        return gateway.authorize(
            token=token, amount=amount, currency=payment.currency, idempotency_key=key
        )
    if attempt.kind == "capture":
        return gateway.capture(
            reference=payment.gateway_reference,
            amount=amount,
            currency=payment.currency,
            idempotency_key=key,
        )
    if attempt.kind == "void":
        return gateway.void(
            reference=payment.gateway_reference, amount=amount, idempotency_key=key
        )
    return gateway.refund(
        reference=payment.gateway_reference,
        amount=amount,
        currency=payment.currency,
        idempotency_key=key,
    )


def attempt_execute(*, attempt: PaymentAttempt, token: str = "") -> Settlement:
    """Call the gateway for an open attempt and record the outcome (never in a transaction)."""
    attempt = PaymentAttempt.objects.select_related("payment").get(pk=attempt.pk)
    if attempt.status in SETTLED:
        return Settlement(attempt)
    try:
        result = gateway_call(attempt, token=token)
    except GatewayUnreachable as exc:
        return attempt_settle(attempt=attempt, result=None, error=str(exc))
    return attempt_settle(attempt=attempt, result=result)


def _safe(response: dict) -> dict:
    """What of a gateway's answer is stored: plain values, nothing that names a secret."""
    secret = ("token", "card", "number", "cvc", "cvv", "secret", "password")
    return {
        str(k): v
        for k, v in response.items()
        if not any(word in str(k).lower() for word in secret)
        and isinstance(v, str | int | float | bool)
    }


def payment_event(payment: Payment, order: Order, topic: str, **extra) -> None:
    outbox_write(
        topic=topic,
        aggregate_id=order.number,
        payload={
            "order": order.number,
            "payment": payment.pk,
            "status": payment.status,
            "currency": payment.currency,
            "amount": str(payment.amount),
            "authorized": str(payment.authorized),
            "captured": str(payment.captured),
            "refunded": str(payment.refunded),
            **extra,
        },
    )


@transaction.atomic(durable=True)
def attempt_settle(
    *,
    attempt: PaymentAttempt,
    result: GatewayResult | None,
    error: str = "",
    actor: User | None = None,
) -> Settlement:
    """Record a call's outcome: a ledger row, the payment's state, the order's, the events.

    `result` None: the outcome is unknown (the attempt waits for reconciliation). Settling a
    settled attempt again changes nothing.
    """
    payment = Payment.objects.get(pk=attempt.payment_id)
    # The order first, as the orders' expiry locks it: the two never interleave.
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status in SETTLED:
        return Settlement(attempt)
    now = timezone.now()
    if result is None:
        attempt.status, attempt.error = PaymentAttempt.Status.UNKNOWN, error[:200]
        attempt.save(update_fields=["status", "error"])
        return Settlement(attempt)
    PaymentTransaction.objects.create(
        payment=payment,
        attempt=attempt,
        kind=attempt.kind,
        amount=attempt.amount,
        currency=payment.currency,
        outcome=result.status,
        gateway_reference=result.reference,
        idempotency_key=attempt.idempotency_key,
        code=result.code,
        response=_safe(result.response),
        actor_id=attempt.actor_id,
    )
    attempt.status, attempt.settled_at = result.status, now
    attempt.save(update_fields=["status", "settled_at"])
    payment.refresh_from_db()
    if not result.ok:
        return _failed(attempt, payment, order, result)
    return _succeeded(attempt, payment, order, actor)


def _failed(attempt, payment, order, result: GatewayResult) -> Settlement:
    if attempt.kind == "authorize":
        payment.status = PaymentStatus.FAILED
        payment.failure_code = result.code[:40]
        payment.failure_message = result.message[:200]
        payment.save(update_fields=["status", "failure_code", "failure_message"])
    payment_event(
        payment,
        order,
        "payment.failed",
        kind=attempt.kind,
        code=result.code,
        message=result.message,
    )
    return Settlement(attempt)


def _succeeded(attempt, payment, order, actor) -> Settlement:
    topic = {
        "authorize": "payment.authorized",
        "capture": "payment.captured",
        "refund": "payment.refunded",
        "void": "payment.voided",
    }[attempt.kind]
    payment_event(
        payment, order, topic, kind=attempt.kind, amount_moved=str(attempt.amount)
    )
    if attempt.kind != "authorize":
        return Settlement(attempt)
    if _order_pay(order, payment, actor):
        return Settlement(attempt, order_paid=True)
    payment_event(
        payment,
        order,
        "payment.failed",
        kind="authorize",
        code="order_not_payable",
        message=(
            "The payment arrived after the order expired and its items are no longer"
            " available: the amount is released."
        ),
    )
    return Settlement(attempt, release=True)


def _order_pay(order: Order, payment: Payment, actor) -> bool:
    """Move the order to paid for this authorization; False when it cannot be (release it).

    On time: paid. Late (the window closed, the order expired or is about to): paid if the
    order's stock can be held again, reserving what its reservations no longer cover.
    """
    if payment.gateway == MANUAL:
        reason = f"paid by hand: {payment.note}" if payment.note else "paid by hand"
    else:
        reason = f"payment {payment.pk} authorized ({payment.gateway_reference})"
    if order.status == Status.PENDING and order.expires_at > timezone.now():
        order_mark_paid(order=order, actor=actor, reason=reason)
        return True
    if order.status not in (Status.PENDING, Status.EXPIRED):
        return False  # cancelled, or already paid by another payment
    missing = _missing_stock(order)
    if missing:
        try:
            stock_reserve(
                lines=missing,
                owner_type=ORDER_OWNER,
                owner_id=str(order.pk),
                customer_id=order.customer_id,
                ttl=dt.timedelta(days=1),
            )
        except OutOfStock:
            return False
    order_mark_paid(order=order, actor=actor, reason=f"{reason}, late", late=True)
    return True


def _missing_stock(order: Order) -> list[Line]:
    held: dict[int, int] = {}
    for reservation in reservations_of(owner_type=ORDER_OWNER, owner_id=str(order.pk)):
        held[reservation.variant_id] = (
            held.get(reservation.variant_id, 0) + reservation.quantity
        )
    return [
        Line(
            variant_id=line.variant_id,
            quantity=line.quantity - held.get(line.variant_id, 0),
        )
        for line in order.lines.order_by("variant_id")
        if line.quantity > held.get(line.variant_id, 0)
    ]


def reconcile_result(attempt: PaymentAttempt) -> GatewayResult | None:
    """What the gateway says of an open attempt; a call it never received is made again,
    except an authorization (the customer is no longer waiting): that one failed."""
    gateway = gateway_for(attempt.payment.gateway)
    result = gateway.fetch_status(idempotency_key=attempt.idempotency_key)
    if result is not None:
        return result
    if attempt.kind == "authorize" and gateway.name != MANUAL:
        return GatewayResult(
            FAILED,
            code="not_received",
            message="The payment did not reach the bank. Please try again.",
        )
    return gateway_call(attempt)


def auto_capture_wanted() -> bool:
    return bool(settings.PAYMENTS_AUTO_CAPTURE)

"""What customers, staff and jobs do with payments: authorize, capture, void, refund, settle.

Each service records the intent in a short durable transaction, calls the gateway with no
transaction open and no row locked, then records the outcome (`attempts.py`). So none of
them may run inside a caller's transaction (durable blocks refuse it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.orders.models import Order, Status

from ..errors import (
    AmountInvalid,
    CaptureTooLarge,
    ManualNoteMissing,
    OrderNotPayable,
    PaymentDeclined,
    PaymentMethodInvalid,
    PaymentPending,
    PaymentStateInvalid,
    RefundTooLarge,
    formatted,
)
from ..gateway import MANUAL, GatewayResult, gateway_get
from ..models import (
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundReason,
)
from .attempts import (
    SETTLED,
    Settlement,
    attempt_execute,
    attempt_record,
    attempt_settle,
    payment_event,
    reconcile_result,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

CAPTURABLE = (PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED)


def _positive(amount: Decimal) -> Decimal:
    if amount is None or amount <= 0:
        raise AmountInvalid()
    return amount


def _outcome(settlement: Settlement) -> Settlement:
    """After an outcome is recorded: release an authorization the order cannot use, or
    capture at once when the shop captures on authorization."""
    attempt = settlement.attempt
    if settlement.release:
        payment_void(
            payment=attempt.payment,
            actor=None,
            idempotency_key=f"{attempt.idempotency_key}:release",
        )
    elif settlement.order_paid and settings.PAYMENTS_AUTO_CAPTURE:
        payment = Payment.objects.get(pk=attempt.payment_id)
        payment_capture(
            payment=payment,
            amount=payment.capturable,
            actor=None,
            idempotency_key=f"{attempt.idempotency_key}:capture",
        )
    return settlement


def _raise_for(attempt: PaymentAttempt) -> None:
    """A failed or unknown outcome as the error the customer or staff sees."""
    attempt.refresh_from_db()
    if attempt.status == PaymentAttempt.Status.FAILED:
        txn = attempt.transaction
        message = (txn.response or {}).get("message") or ""
        payment = Payment.objects.get(pk=attempt.payment_id)
        raise PaymentDeclined(
            payment.failure_message or message or None,
            decline_code=txn.code,
        )
    if attempt.status not in SETTLED:
        raise PaymentPending(attempt=attempt.pk)


def _run(attempt: PaymentAttempt, *, token: str = "") -> PaymentAttempt:
    settlement = _outcome(attempt_execute(attempt=attempt, token=token))
    _raise_for(settlement.attempt)
    return settlement.attempt


def payment_authorize(
    *,
    order: Order,
    actor: User | None,
    idempotency_key: str,
    method: PaymentMethod | None = None,
    token: str = "",
) -> Payment:
    """Pay an order: authorize its total with a saved method or a new card's token.

    Declined: PaymentDeclined, the order stays pending with its stock. No clear answer:
    PaymentPending, and the reconciliation settles it. The same key again repeats nothing.
    """
    if method is not None:
        token = method.token
    if not token:
        raise PaymentMethodInvalid()
    attempt = _authorization_record(
        order=order,
        actor=actor,
        idempotency_key=idempotency_key,
        method=method,
        gateway=gateway_get().name,
    )
    _run(attempt, token=token)
    return Payment.objects.get(pk=attempt.payment_id)


@transaction.atomic(durable=True)
def _authorization_record(
    *,
    order: Order,
    actor: User | None,
    idempotency_key: str,
    gateway: str,
    method: PaymentMethod | None = None,
    note: str = "",
) -> PaymentAttempt:
    """The intent to authorize an order's total, committed before the call (the order row
    locked: the expiry job and a payment's outcome never interleave). The attempt already
    recorded under the key when there is one."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
    if attempt is not None:
        return attempt
    _payable(order, method, actor)
    payment = Payment.objects.create(
        order=order,
        method=method,
        gateway=gateway,
        currency=order.currency,
        amount=order.total,
        note=note,
    )
    attempt, _ = attempt_record(
        payment=payment,
        kind="authorize",
        amount=order.total,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    return attempt


def payment_record_manual(
    *, order: Order, actor: User | None, note: str, idempotency_key: str
) -> Payment:
    """Record money that came outside the gateway (a bank transfer, cash) for an order.

    A payment of the manual gateway, authorized and captured at once, so the ledger, the
    order's page and the reconciliation see it like a card payment; the order moves to
    paid as for any authorization. The same key again records nothing twice.
    """
    note = (note or "").strip()
    if not note:
        raise ManualNoteMissing()
    attempt = _authorization_record(
        order=order,
        actor=actor,
        idempotency_key=idempotency_key,
        gateway=MANUAL,
        note=note[:1000],
    )
    _run(attempt)
    payment = Payment.objects.get(pk=attempt.payment_id)
    if payment.capturable > 0:  # unless PAYMENTS_AUTO_CAPTURE took it already
        payment = payment_capture(
            payment=payment,
            amount=payment.capturable,
            actor=actor,
            idempotency_key=f"{idempotency_key}:capture",
        )
    return payment


def _payable(order: Order, method: PaymentMethod | None, actor) -> None:
    if order.status != Status.PENDING or order.expires_at <= timezone.now():
        status = "expired" if order.status == Status.PENDING else order.status
        raise formatted(OrderNotPayable, status=status)
    if method is not None and (
        not method.is_active or method.customer_id != order.customer_id
    ):
        raise PaymentMethodInvalid()


def payment_capture(
    *,
    payment: Payment,
    amount: Decimal,
    actor: User | None,
    idempotency_key: str,
) -> Payment:
    """Take authorized money (all or part of what is left); one key captures once."""
    _positive(amount)
    with transaction.atomic(durable=True):
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
        if attempt is None:
            if payment.status not in CAPTURABLE:
                raise formatted(
                    PaymentStateInvalid, status=payment.status, action="captured"
                )
            if amount > payment.capturable:
                raise formatted(CaptureTooLarge, capturable=payment.capturable)
            attempt, _ = attempt_record(
                payment=payment,
                kind="capture",
                amount=amount,
                idempotency_key=idempotency_key,
                actor=actor,
            )
    _run(attempt)
    return Payment.objects.get(pk=payment.pk)


def payment_void(
    *, payment: Payment, actor: User | None, idempotency_key: str
) -> Payment:
    """Release what is authorized and not captured."""
    with transaction.atomic(durable=True):
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
        if attempt is None:
            if payment.status not in CAPTURABLE or payment.capturable <= 0:
                raise formatted(
                    PaymentStateInvalid, status=payment.status, action="voided"
                )
            attempt, _ = attempt_record(
                payment=payment,
                kind="void",
                amount=payment.capturable,
                idempotency_key=idempotency_key,
                actor=actor,
            )
    _run(attempt)
    return Payment.objects.get(pk=payment.pk)


def refund_record(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    actor: User | None,
    idempotency_key: str,
    note: str = "",
    lines: list | None = None,
) -> Refund:
    """Record a refund's intent in the caller's transaction (the payment is locked)."""
    _positive(amount)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    attempt = PaymentAttempt.objects.filter(idempotency_key=idempotency_key).first()
    if attempt is not None:
        return attempt.refund
    if reason not in RefundReason.values:
        raise AmountInvalid("Choose a reason for the refund.")
    if amount > payment.refundable:
        raise formatted(RefundTooLarge, amount=amount, refundable=payment.refundable)
    attempt, _ = attempt_record(
        payment=payment,
        kind="refund",
        amount=amount,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    return Refund.objects.create(
        payment=payment,
        attempt=attempt,
        amount=amount,
        reason=reason,
        note=note,
        lines=lines or [],
        actor=actor,
    )


def payment_refund(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    actor: User | None,
    idempotency_key: str,
    note: str = "",
    lines: list | None = None,
) -> Refund:
    """Give captured money back, at most what is still refundable, with a reason."""
    with transaction.atomic(durable=True):
        refund = refund_record(
            payment=payment,
            amount=amount,
            reason=reason,
            actor=actor,
            idempotency_key=idempotency_key,
            note=note,
            lines=lines,
        )
    _run(refund.attempt)
    return refund


def payment_reconcile(*, attempt: PaymentAttempt) -> PaymentAttempt:
    """Settle an attempt left open by a lost answer or a crash, by asking the gateway."""
    attempt = PaymentAttempt.objects.select_related("payment").get(pk=attempt.pk)
    if attempt.status in SETTLED:
        return attempt
    try:
        result = reconcile_result(attempt)
    except Exception as exc:  # noqa: BLE001 - GatewayUnreachable and the like: later
        return attempt_settle(attempt=attempt, result=None, error=str(exc)).attempt
    return attempt_conclude(attempt=attempt, result=result)


def attempt_conclude(
    *, attempt: PaymentAttempt, result: GatewayResult
) -> PaymentAttempt:
    """Settle an open attempt with what the gateway said of it later (asked, or in a
    notification), then release or capture as a direct answer would have."""
    settlement = _outcome(attempt_settle(attempt=attempt, result=result))
    settlement.attempt.refresh_from_db()
    return settlement.attempt


def payments_reconcile(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Reconcile one batch of attempts open for longer than PAYMENTS_RECONCILE_AFTER.

    No row lock is held across the gateway calls: settling is idempotent, so two workers on
    one attempt record its outcome once.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PAYMENTS_RECONCILE_AFTER)
    due = list(
        PaymentAttempt.objects.filter(
            status__in=["pending", "unknown"], created_at__lte=cutoff
        ).order_by("created_at", "id")[:batch_size]
    )
    settled = 0
    for attempt in due:
        if payment_reconcile(attempt=attempt).status in SETTLED:
            settled += 1
    return settled


def authorizations_release(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Void authorizations nobody will capture: their order expired or was cancelled, or
    the gateway's window passed (then the hold is gone: marked expired, staff told)."""
    now = now or timezone.now()
    window = now - dt.timedelta(days=settings.PAYMENTS_AUTHORIZATION_DAYS)
    held = list(
        Payment.objects.filter(status=PaymentStatus.AUTHORIZED)
        .filter(
            Q(authorized_at__lte=window)
            | Q(order__status__in=[Status.EXPIRED, Status.CANCELLED])
        )
        .select_related("order")
        .order_by("authorized_at", "id")[:batch_size]
    )
    done = 0
    for payment in held:
        if payment.authorized_at and payment.authorized_at <= window:
            payment_expire(payment=payment)
            done += 1
        elif payment.order.status in (Status.EXPIRED, Status.CANCELLED):
            try:
                payment_void(
                    payment=payment,
                    actor=None,
                    idempotency_key=f"void-stale-{payment.pk}",
                )
            except (PaymentPending, PaymentDeclined):
                continue  # the reconciliation or the next run settles it
            done += 1
    return done


@transaction.atomic(durable=True)
def payment_expire(*, payment: Payment) -> Payment:
    """The gateway's hold of an authorization lapsed: nothing can be captured any more."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.AUTHORIZED:
        return payment
    payment.status = PaymentStatus.EXPIRED
    payment.save(update_fields=["status"])
    payment_event(
        payment,
        order,
        "payment.failed",
        kind="authorize",
        code="authorization_expired",
        message="The authorization expired before it was captured.",
    )
    return payment

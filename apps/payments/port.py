"""The payments port of orders, implemented with the gateway.

Orders calls the port inside its own transactions (cancelling locks the order), where no
gateway call may be made. So each call records the intent in that transaction and the
gateway is called after it commits (`payments.attempt_execute`); the answer `ok` means
"recorded and on its way". An attempt whose call fails is settled by the reconciliation job.
Money staff recorded by hand (`record_manual`) is a payment of the manual gateway, in the
ledger like any other; refunding it records the refund and asks finance to pay it back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.orders.payments_port import PaymentLine, PaymentResult

from .gateway import MANUAL
from .models import (
    Payment,
    PaymentAttempt,
    PaymentStatus,
    PaymentTransaction,
    RefundReason,
)
from .services import attempt_record, payment_record_manual, refund_record


def _execute_after_commit(attempt: PaymentAttempt) -> None:
    from .tasks import attempt_execute_task

    transaction.on_commit(lambda: attempt_execute_task.delay(attempt_id=attempt.pk))


def _payment(order, *statuses) -> Payment | None:
    return (
        Payment.objects.filter(order=order, status__in=statuses)
        .order_by("-created_at", "-id")
        .first()
    )


class GatewayPayments:
    """Orders' PaymentsPort over apps.payments."""

    def authorize(self, *, order, amount: Decimal, idempotency_key: str):
        payment = _payment(
            order, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED
        )
        if payment is None or payment.capturable < amount:
            return PaymentResult(
                ok=False, message="The order has no authorized payment for this amount."
            )
        return PaymentResult(ok=True, reference=payment.gateway_reference or "")

    def capture(self, *, order, amount: Decimal, idempotency_key: str):
        payment = _payment(
            order, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED
        )
        if payment is None:
            return PaymentResult(ok=False, message="Nothing is authorized to capture.")
        attempt, created = attempt_record(
            payment=payment,
            kind="capture",
            amount=min(amount, payment.capturable),
            idempotency_key=idempotency_key,
            actor=None,
        )
        if created:
            _execute_after_commit(attempt)
        return PaymentResult(ok=True, reference=attempt.idempotency_key)

    def void(self, *, order, idempotency_key: str):
        payment = _payment(
            order, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED
        )
        if payment is None or payment.capturable <= 0:
            return PaymentResult(ok=True, reference="nothing-held")
        attempt, created = attempt_record(
            payment=payment,
            kind="void",
            amount=payment.capturable,
            idempotency_key=idempotency_key,
            actor=None,
        )
        if created:
            _execute_after_commit(attempt)
        return PaymentResult(ok=True, reference=attempt.idempotency_key)

    def refund(self, *, order, amount: Decimal, idempotency_key: str):
        """A cancelled paid order: refund what was captured, void what is only held."""
        captured = (
            Payment.objects.filter(order=order, captured__gt=0)
            .order_by("-created_at", "-id")
            .first()
        )
        if captured is not None and captured.refundable > 0:
            by_hand = captured.gateway == MANUAL
            refund = refund_record(
                payment=captured,
                amount=min(amount, captured.refundable),
                reason=RefundReason.ORDER_CANCELLED,
                actor=None,
                idempotency_key=idempotency_key,
            )
            _execute_after_commit(refund.attempt)
            if captured.capturable > 0:
                self.void(order=order, idempotency_key=f"{idempotency_key}:rest")
            # Money that came by hand goes back by hand: finance is asked to pay it.
            return PaymentResult(ok=True, reference=idempotency_key, pending=by_hand)
        if _payment(order, PaymentStatus.AUTHORIZED) is not None:
            return self.void(order=order, idempotency_key=idempotency_key)
        # Paid by hand (no payment here): finance refunds it.
        return PaymentResult(ok=True, reference="manual", pending=True)

    def record_manual(self, *, order, actor, note: str, idempotency_key: str):
        payment = payment_record_manual(
            order=order, actor=actor, note=note, idempotency_key=idempotency_key
        )
        return PaymentResult(ok=True, reference=payment.gateway_reference or "")

    def summary(self, *, order):
        """The order's money movements that succeeded, oldest first, for its customer."""
        labels = {
            "authorize": "Payment authorized",
            "capture": "Payment taken",
            "void": "Authorization released",
            "refund": "Refunded",
            "chargeback": "Disputed by the bank",
            "chargeback_reversal": "Dispute resolved in our favour",
        }
        return [
            PaymentLine(label=labels[kind], amount=amount, at=at)
            for kind, amount, at in PaymentTransaction.objects.filter(
                payment__order=order, outcome="succeeded"
            )
            .order_by("created_at", "id")
            .values_list("kind", "amount", "created_at")
        ]

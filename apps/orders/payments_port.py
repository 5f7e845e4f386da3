"""The payments port: what orders asks of payments, without importing it.

Payments implements `PaymentsPort` and registers it with `payments_port_register` when its
app is ready; orders only ever calls `payments_port()`. Until a gateway is registered the
`ManualPayments` port answers: payment is recorded by staff ("mark paid") on the order alone
and a refund of a paid order is requested from finance through the outbox
(`order.refund_requested`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .models import Order


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    reference: str = ""
    message: str = ""
    pending: bool = (
        False  # accepted, the outcome arrives later (a refund finance makes)
    )


@dataclass(frozen=True)
class PaymentLine:
    """One money movement of an order, as its customer reads it ("Refunded €10.00")."""

    label: str
    amount: Decimal
    at: dt.datetime


class PaymentsPort(Protocol):
    def authorize(
        self, *, order: Order, amount: Decimal, idempotency_key: str
    ) -> PaymentResult: ...

    def capture(
        self, *, order: Order, amount: Decimal, idempotency_key: str
    ) -> PaymentResult: ...

    def void(self, *, order: Order, idempotency_key: str) -> PaymentResult: ...

    def refund(
        self, *, order: Order, amount: Decimal, idempotency_key: str
    ) -> PaymentResult: ...

    def summary(self, *, order: Order) -> list[PaymentLine]: ...

    def record_manual(
        self, *, order: Order, actor, note: str, idempotency_key: str
    ) -> PaymentResult:
        """Staff record money received outside the gateway; the order becomes paid.

        Called outside any transaction (it commits on its own)."""


class ManualPayments:
    """No gateway: money moves outside the shop and staff record it."""

    def authorize(self, *, order, amount, idempotency_key):
        return PaymentResult(ok=False, message="No payment gateway is configured.")

    def capture(self, *, order, amount, idempotency_key):
        return PaymentResult(ok=True, reference="manual", pending=True)

    def void(self, *, order, idempotency_key):
        return PaymentResult(ok=True, reference="manual")

    def refund(self, *, order, amount, idempotency_key):
        return PaymentResult(ok=True, reference="manual", pending=True)

    def summary(self, *, order):
        return []

    def record_manual(self, *, order, actor, note, idempotency_key):
        from .services import order_mark_paid

        order_mark_paid(order=order, actor=actor, reason=note)
        return PaymentResult(ok=True, reference="manual")


_port: PaymentsPort = ManualPayments()


def payments_port_register(port: PaymentsPort) -> None:
    """Plug a payments implementation in (payments' AppConfig.ready)."""
    global _port
    _port = port


def payments_port() -> PaymentsPort:
    return _port

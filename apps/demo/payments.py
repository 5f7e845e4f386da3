"""Demo payments: recent orders paid by card through the payments services.

A dozen demo customers place an order now and pay it through the dummy gateway: one after a
declined card, most captured, two partly refunded, one disputed and lost. Idempotent: nothing
is added once payments exist.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import IO

from django.core.management.base import OutputWrapper
from django.utils import timezone

from apps.accounts.models import Address, User
from apps.orders import errors as order_errors
from apps.orders import services as orders
from apps.orders.models import ShippingMethod
from apps.payments import services
from apps.payments.errors import PaymentDeclined
from apps.payments.models import Payment, RefundReason

from .accounts import DEMO_CUSTOMERS
from .orders import _buyable_variants
from .progress import output, progress

PAID_ORDERS = 12


def _key() -> str:
    return uuid.uuid4().hex


def _place(customer: User, variants: list[int], rng: random.Random):
    address = Address.objects.filter(user=customer, kind="shipping").first()
    snapshot = orders.address_snapshot(address) if address else {"full_name": "Demo"}
    return orders.order_place(
        idempotency_key=_key(),
        request=orders.CheckoutRequest(
            items={v: rng.randint(1, 2) for v in rng.sample(variants, k=2)},
            email=customer.email,
            shipping_address=snapshot,
            billing_address=snapshot,
            shipping_method_id=ShippingMethod.objects.filter(is_active=True)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
            .first(),
        ),
        actor=customer,
    )


def _pay(order, customer, i: int) -> Payment:
    if i == 0:  # the first customer's card is declined once
        try:
            services.payment_authorize(
                order=order, actor=customer, idempotency_key=_key(), token="tok_decline"
            )
        except PaymentDeclined:
            pass
    return services.payment_authorize(
        order=order, actor=customer, idempotency_key=_key(), token="tok_approve"
    )


def seed_payments(stdout: IO[str] | OutputWrapper) -> int:
    """Pay a dozen fresh demo orders by card; return how many were paid."""
    out = output(stdout)
    if Payment.objects.exists() or not ShippingMethod.objects.filter(is_active=True):
        return 0
    customers = list(
        User.objects.filter(email__in=[c[0] for c in DEMO_CUSTOMERS]).order_by("pk")
    )
    variants = _buyable_variants()
    if not customers or len(variants) < 2:
        return 0
    rng = random.Random(21)
    paid = 0
    for i in range(PAID_ORDERS):
        customer = customers[i % len(customers)]
        try:
            order = _place(customer, variants, rng)
        except order_errors.OrderError:
            continue  # a rule refused this basket (e.g. too many pending orders)
        payment = _pay(order, customer, i)
        paid += 1
        if i % 4 != 3:  # most are captured; every fourth stays authorized
            payment = services.payment_capture(
                payment=payment,
                amount=payment.authorized,
                actor=None,
                idempotency_key=_key(),
            )
        if i in (1, 2):
            services.payment_refund(
                payment=payment,
                amount=(payment.captured / 2).quantize(Decimal("0.01")),
                reason=RefundReason.DAMAGED
                if i == 1
                else RefundReason.CUSTOMER_REQUEST,
                actor=None,
                idempotency_key=_key(),
                note="demo refund",
            )
        if i == 5:
            dispute = services.dispute_open(
                payment=payment,
                gateway_reference=f"dp_demo_{order.number.lower()}",
                amount=payment.captured,
                respond_by=timezone.now() + dt.timedelta(days=7),
                reason="fraudulent",
            )
            services.dispute_close(dispute=dispute, won=False, actor=None)
        progress(out, "payments", i + 1, PAID_ORDERS)
    return paid

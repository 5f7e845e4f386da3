"""Demo orders: delivery methods, and a history of orders in every state over 60 days.

Orders are placed through `order_place` (prices, reservations, outbox, audit as in real
life), dated back with its `at`, then moved on through the lifecycle services: most are
paid and shipped or delivered, some wait for payment, some were cancelled, expired or
returned. The daily sales rollup is recomputed at the end so the dashboard shows them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import IO

from django.core.management.base import OutputWrapper
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Address, User
from apps.orders import errors, services
from apps.orders.models import Order, ShippingMethod

from .accounts import DEMO_CUSTOMERS
from .progress import output, progress

METHODS = [
    ("Standard", "3–5 working days", Decimal("4.90"), Decimal("50.00"), 1),
    ("Express", "Next working day", Decimal("12.90"), None, 2),
]
# (share, the state an order ends in)
FATES = [
    (0.45, "delivered"),
    (0.15, "shipped"),
    (0.08, "partially_fulfilled"),
    (0.10, "paid"),
    (0.08, "cancelled"),
    (0.07, "expired"),
    (0.04, "returned"),
    (0.03, "pending"),
]
HISTORY_DAYS = 60


def _methods() -> list[ShippingMethod]:
    methods = []
    for name, description, price, free_above, position in METHODS:
        method = ShippingMethod.objects.filter(name=name).first()
        if method is None:
            method = services.shipping_method_save(
                method=ShippingMethod(
                    name=name,
                    description=description,
                    price=price,
                    free_above=free_above,
                    position=position,
                ),
                actor=None,
            )
        methods.append(method)
    return methods


def _buyable_variants(limit: int = 400) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.variant_id FROM inventory_stock s"
            " JOIN catalog_productvariant v ON v.id = s.variant_id AND v.deleted_at IS NULL AND v.is_active"
            " JOIN catalog_product p ON p.id = v.product_id AND p.deleted_at IS NULL AND p.status = 'active'"
            " JOIN catalog_price pr ON pr.variant_id = v.id"
            " GROUP BY s.variant_id HAVING sum(s.on_hand - s.reserved) > 20"
            " ORDER BY s.variant_id LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _fate(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for share, fate in FATES:
        total += share
        if roll < total:
            return fate
    return FATES[0][1]


def _follow(order: Order, fate: str, rng: random.Random) -> None:
    """Move a placed order on to its fate through the services."""
    if fate == "pending":
        return
    if fate == "expired":
        services.orders_expire(batch_size=50, now=order.expires_at)
        return
    if fate == "cancelled" and rng.random() < 0.5:
        services.order_cancel(
            order=order, actor=order.customer, reason="changed my mind"
        )
        return
    services.order_mark_paid(
        order=order,
        actor=None,
        reason="demo payment",
        at=order.placed_at + dt.timedelta(minutes=rng.randint(1, 25)),
    )
    if fate in ("paid", "cancelled"):
        if fate == "cancelled":
            services.order_cancel(
                order=order, actor=None, reason="out of the delivery area"
            )
        return
    lines = list(order.lines.all())
    if fate == "partially_fulfilled":
        first = {lines[0].pk: max(1, lines[0].quantity // 2)}
        if len(lines) == 1 and lines[0].quantity == 1:
            return  # nothing to split: it stays paid
        services.fulfilment_create(
            order=order, quantities=first, carrier="DHL", actor=None
        )
        return
    services.fulfilment_create(
        order=order,
        quantities={line.pk: line.quantity for line in lines},
        carrier=rng.choice(["DHL", "UPS", "DPD"]),
        tracking_number=f"TRK{rng.randrange(10**9):09d}",
        actor=None,
    )
    if fate in ("delivered", "returned"):
        services.order_deliver(order=order, actor=None)
    if fate == "returned":
        services.order_return(order=order, actor=None, reason="did not fit")


def seed_orders(stdout: IO[str] | OutputWrapper, *, orders: int = 150) -> int:
    """Top the demo orders up to `orders`, spread over the last 60 days; return how many."""
    out = output(stdout)
    methods = _methods()
    wanted = orders - Order.objects.count()
    variants = _buyable_variants()
    customers = list(
        User.objects.filter(email__in=[c[0] for c in DEMO_CUSTOMERS]).order_by("pk")
    )
    if wanted <= 0 or not variants or not customers:
        return 0
    addresses = {
        a.user_id: services.address_snapshot(a)
        for a in Address.objects.filter(user__in=customers, kind="shipping")
    }
    rng = random.Random(12)
    # Fates from their own generator, one of each first: which and how many draws the
    # baskets take depends on the catalog, and a history without, say, a cancelled order
    # would show less than it should. A basket a rule refuses hands its fate on.
    fates = random.Random(13)
    first = [fate for _, fate in FATES]
    fate = None
    now = timezone.now()
    created = 0
    for i in range(wanted):
        customer = rng.choice(customers)
        items = {
            variant: rng.randint(1, 3)
            for variant in rng.sample(variants, k=min(len(variants), rng.randint(1, 4)))
        }
        address = addresses.get(customer.pk) or {"full_name": customer.full_name}
        at = now - dt.timedelta(
            days=rng.uniform(0, HISTORY_DAYS), minutes=rng.randint(31, 60)
        )
        if fate is None:
            fate = first.pop(0) if first else _fate(fates)
        if fate == "pending":
            at = now - dt.timedelta(minutes=rng.randint(1, 20))
        try:
            order = services.order_place(
                idempotency_key=uuid.uuid4().hex,
                request=services.CheckoutRequest(
                    items=items,
                    email=customer.email,
                    shipping_address=address,
                    billing_address=address,
                    shipping_method_id=rng.choice(methods).pk,
                ),
                actor=customer,
                at=at,
            )
        except errors.OrderError:
            continue  # a rule refused this basket (a total out of range): skip it
        _follow(order, fate, rng)
        fate = None
        created += 1
        progress(out, "orders", i + 1, wanted)
    services.sales_rollup(days=HISTORY_DAYS + 1)
    return created

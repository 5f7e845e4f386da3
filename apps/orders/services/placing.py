"""Placing an order: one service, under an idempotency key, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.pricing import money
from apps.inventory.errors import OutOfStock
from apps.inventory.services import Line, stock_reserve

from ..errors import (
    CartEmpty,
    GuestCheckoutDisabled,
    IdempotencyKeyReused,
    LinesUnavailable,
    OrderTotalTooHigh,
    OrderTotalTooLow,
    ShippingMethodInvalid,
    TooManyItems,
    TooManyPendingOrders,
    formatted,
)
from ..models import IdempotencyKey, Order, OrderLine, ShippingMethod
from ..outbox import outbox_write
from ..totals import Totals, lines_price, shipping_price, totals_compute

if TYPE_CHECKING:
    from apps.accounts.models import User

ADDRESS_FIELDS = (
    "full_name",
    "company",
    "line1",
    "line2",
    "city",
    "postal_code",
    "region",
    "country",
    "phone",
)
RESERVATION_OWNER = "order"


@dataclass(frozen=True)
class CheckoutRequest:
    """What a customer submits: the cart, where it goes, how, and who to tell."""

    items: dict[int, int]
    email: str
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    shipping_method_id: int
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """SHA-256 of the request: the same key with another request is refused."""
        body = {
            "items": sorted(self.items.items()),
            "email": self.email.strip().lower(),
            "shipping": self.shipping_address,
            "billing": self.billing_address,
            "method": self.shipping_method_id,
        }
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, default=str).encode()
        ).hexdigest()


def address_snapshot(address: Any) -> dict[str, str]:
    """The address as the order keeps it, from a saved address or a form's cleaned data."""
    get = (
        address.get
        if isinstance(address, dict)
        else lambda f, d: getattr(address, f, d)
    )
    return {name: str(get(name, "") or "") for name in ADDRESS_FIELDS}


def checkout_totals(
    items: dict[int, int],
    method: ShippingMethod | None,
    *,
    at: dt.datetime | None = None,
) -> Totals:
    """The priced cart with the delivery price: what the review page shows and placing charges."""
    currency = settings.ORDERS_CURRENCY
    totals = totals_compute(
        lines_price(items, at=at, currency=currency), currency=currency
    )
    if method is not None:
        totals.shipping = shipping_price(
            price=method.price, free_above=method.free_above, goods=totals.goods
        )
        totals.total += totals.shipping
    return totals


def rules_check(totals: Totals) -> None:
    """The business rules a cart must meet to become an order (settings, read now)."""
    if totals.problems:
        raise LinesUnavailable(
            items=[
                {
                    "variant_id": line.variant_id,
                    "sku": line.sku,
                    "problem": line.problem,
                }
                for line in totals.problems
            ]
        )
    if totals.item_count > settings.ORDERS_MAX_ITEMS:
        raise formatted(TooManyItems, maximum=settings.ORDERS_MAX_ITEMS)
    minimum, maximum = settings.ORDERS_MIN_TOTAL, settings.ORDERS_MAX_TOTAL
    if totals.total < minimum:
        raise formatted(OrderTotalTooLow, minimum=money(minimum, totals.currency))
    if totals.total > maximum:
        raise formatted(OrderTotalTooHigh, maximum=money(maximum, totals.currency))


def _claim_key(key: str, fingerprint: str) -> Order | None:
    """Claim the key for this request, or return the order it already placed.

    A concurrent request with the same key waits here on the unique index until the first
    one commits (then it sees that order) or rolls back (then it places the order itself).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_idempotencykey (key, fingerprint, created_at)"
            " VALUES (%s, %s, now()) ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, fingerprint],
        )
        if cursor.fetchone():
            return None
    claimed = IdempotencyKey.objects.select_related("order").get(key=key)
    if claimed.fingerprint != fingerprint or claimed.order is None:
        raise IdempotencyKeyReused()
    return claimed.order


def _pending_limit(email: str) -> None:
    """At most N unpaid orders per email: serialised per email, so two checkouts cannot race."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('orders.pending'), hashtext(%s))",
            [email],
        )
        cursor.execute(
            "SELECT count(*) FROM orders_order WHERE lower(email) = %s AND status = 'pending'",
            [email],
        )
        if cursor.fetchone()[0] >= settings.ORDERS_MAX_PENDING_PER_CUSTOMER:
            raise formatted(
                TooManyPendingOrders, maximum=settings.ORDERS_MAX_PENDING_PER_CUSTOMER
            )


def _next_number(actor: User | None) -> str:
    """A new order number; the history trigger learns who places it (this transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval('orders_order_number_seq'),"
            " set_config('orders.actor_id', %s, true), set_config('orders.status_note', '', true)",
            [str(actor.pk) if actor is not None else ""],
        )
        return f"SO-{cursor.fetchone()[0]}"


def order_payload(order: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    """What an outbox event says about an order."""
    lines = lines if lines is not None else list(order.lines.all())
    return {
        "number": order.number,
        "status": order.status,
        # No email or address: events are kept as written, and erasure must not miss them.
        "customer_id": order.customer_id,
        "currency": order.currency,
        "total": str(order.total),
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "line_total": str(line.line_total),
            }
            for line in lines
        ],
    }


@transaction.atomic(durable=True)
def order_place(
    *,
    idempotency_key: str,
    request: CheckoutRequest,
    actor: User | None,
    at: dt.datetime | None = None,
) -> Order:
    """Place the cart as one order, reserving its stock; the same key returns the same order.

    `at` places it at another moment (prices of then, the window from then): for importing
    past orders and for demo history; the storefront never passes it.
    """
    if actor is None and not settings.ORDERS_GUEST_CHECKOUT:
        raise GuestCheckoutDisabled()
    if not request.items:
        raise CartEmpty()
    email = (actor.email if actor is not None else request.email).strip()
    placed = _claim_key(idempotency_key, request.fingerprint())
    if placed is not None:
        return placed
    method = ShippingMethod.objects.filter(
        pk=request.shipping_method_id, is_active=True
    ).first()
    if method is None:
        raise ShippingMethodInvalid()
    now = at or timezone.now()
    totals = checkout_totals(request.items, method, at=now)
    rules_check(totals)
    _pending_limit(email.lower())
    order = Order.objects.create(
        number=_next_number(actor),
        customer=actor,
        email=email,
        currency=totals.currency,
        subtotal=totals.subtotal,
        discount=totals.discount,
        tax=totals.tax,
        shipping=totals.shipping,
        total=totals.total,
        shipping_method=method,
        shipping_method_name=method.name,
        shipping_address=request.shipping_address,
        billing_address=request.billing_address,
        item_count=totals.item_count,
        idempotency_key=idempotency_key,
        placed_at=now,
        expires_at=now + dt.timedelta(seconds=settings.ORDERS_PAYMENT_WINDOW),
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant_id=line.variant_id,
                product_name=line.product_name,
                sku=line.sku,
                options=line.options,
                quantity=line.quantity,
                unit_price=line.amounts.unit_price,
                discount=line.amounts.discount,
                tax_rate=line.tax_rate,
                tax=line.amounts.tax,
                line_total=line.amounts.line_total,
            )
            for line in totals.lines
        ]
    )
    try:
        stock_reserve(
            lines=[
                Line(variant_id=line.variant_id, quantity=line.quantity)
                for line in lines
            ],
            owner_type=RESERVATION_OWNER,
            owner_id=str(order.pk),
            # A little longer than the order: the order's own expiry gives the units back.
            ttl=dt.timedelta(seconds=settings.ORDERS_PAYMENT_WINDOW + 300),
        )
    except OutOfStock as exc:
        variant_id = exc.details.get("variant_id")
        sku = next((line.sku for line in lines if line.variant_id == variant_id), "")
        raise LinesUnavailable(
            items=[{"variant_id": variant_id, "sku": sku, "problem": "Out of stock."}]
        ) from exc
    IdempotencyKey.objects.filter(key=idempotency_key).update(order=order)
    outbox_write(
        topic="order.placed",
        aggregate_id=order.number,
        payload=order_payload(order, lines),
    )
    return order

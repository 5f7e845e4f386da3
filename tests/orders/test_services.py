"""Placing orders and moving them through their life, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from apps.inventory.models import Reservation, Stock, StockMovement
from apps.orders import errors, services
from apps.orders.models import (
    IdempotencyKey,
    Order,
    OrderLine,
    OrderStatusChange,
    OutboxEvent,
)
from tests.catalog.factories import PromotionFactory


def _counts():
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Reservation.objects.count(),
        OutboxEvent.objects.count(),
        IdempotencyKey.objects.count(),
        list(Stock.objects.order_by("pk").values_list("on_hand", "reserved")),
    )


def test_order_place_snapshots_lines_totals_and_reserves_stock(
    stocked_variant, checkout, new_key, customer
):
    # given two variants, one on promotion
    shirt = stocked_variant(price="20.00", units=5)
    socks = stocked_variant(price="5.00", units=10)
    PromotionFactory(variant=shirt, amount=Decimal("15.00"))
    # when
    order = services.order_place(
        idempotency_key=new_key(),
        request=checkout({shirt: 2, socks: 3}),
        actor=customer,
    )
    # then: list price 55.00, promotion saves 10.00, tax 19 % of 45.00, shipping 4.90
    assert order.status == "pending"
    assert order.number.startswith("SO-")
    assert (order.subtotal, order.discount, order.tax, order.shipping, order.total) == (
        Decimal("55.00"),
        Decimal("10.00"),
        Decimal("8.55"),
        Decimal("4.90"),
        Decimal("58.45"),
    )
    assert order.customer == customer and order.email == customer.email
    lines = {line.sku: line for line in order.lines.all()}
    assert lines[shirt.sku].unit_price == Decimal("20.00")
    assert lines[shirt.sku].discount == Decimal("10.00")
    assert lines[shirt.sku].line_total == Decimal("30.00")
    assert lines[shirt.sku].product_name == shirt.product.name
    held = Reservation.objects.filter(owner_type="order", owner_id=str(order.pk))
    assert sorted(held.values_list("variant_id", "quantity", "status")) == sorted(
        [(shirt.pk, 2, "active"), (socks.pk, 3, "active")]
    )
    assert list(
        OrderStatusChange.objects.filter(order=order).values_list(
            "from_status", "to_status", "actor_id"
        )
    ) == [("", "pending", customer.pk)]
    event = OutboxEvent.objects.get(aggregate_id=order.number)
    assert event.topic == "order.placed"
    assert event.payload["data"]["total"] == "58.45"


def test_free_shipping_above_the_threshold(stocked_variant, checkout, new_key):
    coat = stocked_variant(price="120.00", units=2)
    order = services.order_place(
        idempotency_key=new_key(), request=checkout({coat: 1}), actor=None
    )
    assert order.shipping == Decimal("0.00")
    assert order.total == Decimal("142.80")


def test_the_same_key_returns_the_same_order_and_creates_nothing_new(
    stocked_variant, checkout, new_key
):
    shirt = stocked_variant()
    key, request = new_key(), checkout({shirt: 1})
    first = services.order_place(idempotency_key=key, request=request, actor=None)
    before = _counts()
    again = services.order_place(idempotency_key=key, request=request, actor=None)
    assert again.pk == first.pk
    assert _counts() == before


def test_the_same_key_with_another_cart_is_refused(stocked_variant, checkout, new_key):
    shirt = stocked_variant()
    key = new_key()
    services.order_place(idempotency_key=key, request=checkout({shirt: 1}), actor=None)
    before = _counts()
    with pytest.raises(errors.IdempotencyKeyReused):
        services.order_place(
            idempotency_key=key, request=checkout({shirt: 2}), actor=None
        )
    assert _counts() == before


@pytest.mark.parametrize(
    ("price", "quantity", "error"),
    [
        ("4.00", 1, errors.OrderTotalTooLow),
        ("9000.00", 2, errors.OrderTotalTooHigh),
        ("1.00", 51, errors.TooManyItems),
    ],
)
def test_business_rules_refuse_and_leave_nothing_behind(
    stocked_variant, checkout, new_key, price, quantity, error
):
    item = stocked_variant(price=price, units=100)
    before = _counts()
    with pytest.raises(error) as refused:
        services.order_place(
            idempotency_key=new_key(), request=checkout({item: quantity}), actor=None
        )
    assert refused.value.message  # a sentence for the customer
    assert _counts() == before


def test_out_of_stock_leaves_stock_orders_and_outbox_unchanged(
    stocked_variant, checkout, new_key
):
    scarce = stocked_variant(units=2)
    plenty = stocked_variant(units=10)
    before = _counts()
    with pytest.raises(errors.LinesUnavailable) as refused:
        services.order_place(
            idempotency_key=new_key(),
            request=checkout({scarce: 3, plenty: 1}),
            actor=None,
        )
    assert [item["variant_id"] for item in refused.value.items] == [scarce.pk]
    assert _counts() == before


@override_settings(ORDERS_MAX_PENDING_PER_CUSTOMER=2)
def test_pending_orders_per_email_are_capped(stocked_variant, checkout, new_key):
    shirt = stocked_variant(units=10)
    for _ in range(2):
        services.order_place(
            idempotency_key=new_key(), request=checkout({shirt: 1}), actor=None
        )
    before = _counts()
    with pytest.raises(errors.TooManyPendingOrders):
        services.order_place(
            idempotency_key=new_key(),
            request=checkout({shirt: 1}, email="ADA@example.com"),
            actor=None,
        )
    assert _counts() == before


@override_settings(ORDERS_GUEST_CHECKOUT=False)
def test_guest_checkout_can_be_switched_off(stocked_variant, checkout, new_key):
    with pytest.raises(errors.GuestCheckoutDisabled):
        services.order_place(
            idempotency_key=new_key(),
            request=checkout({stocked_variant(): 1}),
            actor=None,
        )


def _place(stocked_variant, checkout, new_key, **items):
    shirt = stocked_variant(units=10)
    return services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 3}), actor=None
    ), shirt


def test_paid_order_ships_in_two_parts_and_commits_the_stock(
    stocked_variant, checkout, new_key, staff
):
    order, shirt = _place(stocked_variant, checkout, new_key)
    services.order_mark_paid(order=order, actor=staff, reason="bank transfer 42")
    line = order.lines.get()
    services.fulfilment_create(
        order=order,
        quantities={line.pk: 1},
        carrier="DHL",
        tracking_number="A1",
        actor=staff,
    )
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    stock = Stock.objects.get(variant_id=shirt.pk)
    assert (stock.on_hand, stock.reserved) == (9, 2)
    services.fulfilment_create(
        order=order,
        quantities={line.pk: 2},
        carrier="DHL",
        tracking_number="A2",
        actor=staff,
    )
    order.refresh_from_db()
    stock.refresh_from_db()
    assert order.status == "shipped"
    assert (stock.on_hand, stock.reserved) == (7, 0)
    assert StockMovement.objects.filter(stock=stock, kind="sale").count() == 2
    services.order_deliver(order=order, actor=staff)
    order.refresh_from_db()
    assert [c.to_status for c in order.status_changes.all()] == [
        "pending",
        "paid",
        "partially_fulfilled",
        "shipped",
        "delivered",
    ]
    paid = order.status_changes.get(to_status="paid")
    assert (paid.actor_id, paid.note) == (staff.pk, "bank transfer 42")
    assert list(
        OutboxEvent.objects.filter(aggregate_id=order.number)
        .order_by("id")
        .values_list("topic", flat=True)
    ) == [
        "order.placed",
        "order.paid",
        "order.shipped",
        "order.shipped",
        "order.delivered",
    ]


def test_shipping_more_than_left_is_refused(stocked_variant, checkout, new_key, staff):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    services.order_mark_paid(order=order, actor=staff, reason="paid")
    line = order.lines.get()
    with pytest.raises(errors.FulfilmentInvalid):
        services.fulfilment_create(
            order=order, quantities={line.pk: 4}, carrier="DHL", actor=staff
        )
    assert not order.fulfilments.exists()


def test_a_pending_order_cannot_ship(stocked_variant, checkout, new_key, staff):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    line = order.lines.get()
    with pytest.raises(errors.TransitionNotAllowed):
        services.fulfilment_create(
            order=order, quantities={line.pk: 1}, carrier="DHL", actor=staff
        )


def test_cancelling_gives_the_stock_back(stocked_variant, checkout, new_key, customer):
    order, shirt = _place(stocked_variant, checkout, new_key)
    services.order_cancel(order=order, actor=customer, reason="changed my mind")
    stock = Stock.objects.get(variant_id=shirt.pk)
    assert (stock.on_hand, stock.reserved) == (10, 0)
    order.refresh_from_db()
    assert order.status == "cancelled" and order.closed_at is not None


def test_cancelling_a_paid_order_asks_for_a_refund(
    stocked_variant, checkout, new_key, staff
):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    services.order_mark_paid(order=order, actor=staff, reason="paid")
    services.order_cancel(order=order, actor=staff, reason="customer asked")
    topics = list(
        OutboxEvent.objects.filter(aggregate_id=order.number).values_list(
            "topic", flat=True
        )
    )
    assert "order.refund_requested" in topics and "order.cancelled" in topics


def test_a_delivered_order_cannot_be_cancelled(
    stocked_variant, checkout, new_key, staff
):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    services.order_mark_paid(order=order, actor=staff, reason="paid")
    services.fulfilment_create(
        order=order, quantities={order.lines.get().pk: 3}, carrier="UPS", actor=staff
    )
    services.order_deliver(order=order, actor=staff)
    with pytest.raises(errors.TransitionNotAllowed):
        services.order_cancel(order=order, actor=staff)
    services.order_return(order=order, actor=staff, reason="wrong size")
    order.refresh_from_db()
    assert order.status == "returned"


def test_expiry_releases_the_stock_of_unpaid_orders(stocked_variant, checkout, new_key):
    order, shirt = _place(stocked_variant, checkout, new_key)
    later = timezone.now() + dt.timedelta(minutes=31)
    assert services.orders_expire(batch_size=10, now=later) == 1
    assert services.orders_expire(batch_size=10, now=later) == 0
    order.refresh_from_db()
    assert order.status == "expired"
    stock = Stock.objects.get(variant_id=shirt.pk)
    assert stock.reserved == 0
    assert OutboxEvent.objects.filter(
        aggregate_id=order.number, topic="order.expired"
    ).exists()


def test_an_expired_window_cannot_be_paid(stocked_variant, checkout, new_key, staff):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET expires_at = placed_at + interval '1 microsecond' WHERE id = %s",
            [order.pk],
        )
    with pytest.raises(errors.TransitionNotAllowed):
        services.order_mark_paid(order=order, actor=staff, reason="late")


def test_idempotency_keys_are_purged_after_retention(
    stocked_variant, checkout, new_key
):
    order, _shirt = _place(stocked_variant, checkout, new_key)
    assert services.idempotency_keys_purge(batch_size=10) == 0
    purged = services.idempotency_keys_purge(
        batch_size=10, now=timezone.now() + dt.timedelta(days=3)
    )
    assert purged == 1
    assert Order.objects.filter(pk=order.pk).exists()


def test_a_used_delivery_method_is_switched_off_not_deleted(
    stocked_variant, checkout, new_key, shipping_method
):
    services.order_place(
        idempotency_key=new_key(), request=checkout({stocked_variant(): 1}), actor=None
    )
    with pytest.raises(errors.ShippingMethodInUse):
        services.shipping_method_delete(method=shipping_method, actor=None)
    assert type(shipping_method).objects.filter(pk=shipping_method.pk).exists()

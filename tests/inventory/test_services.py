"""Inventory services: reserve all lines or none, commit, release, expire, adjust, transfer,
receive purchase orders, and keep catalog's availability flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.catalog.models import Product, ProductVariant
from apps.inventory import selectors, services
from apps.inventory.errors import (
    OutOfStock,
    ReservationLimit,
    ReservationNotActive,
    StockChangeInvalid,
)
from apps.inventory.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
)
from apps.inventory.services import Line

pytestmark = pytest.mark.django_db


def test_reserve_draws_by_priority_across_warehouses(stocked):
    variant, main, spare = stocked
    reservations = services.stock_reserve(
        lines=[Line(variant.pk, 12)], owner_type="order", owner_id="o-1"
    )
    assert sorted((r.stock_id, r.quantity) for r in reservations) == sorted(
        [(main.pk, 10), (spare.pk, 2)]
    )
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.reserved, spare.reserved) == (10, 2)


def test_reserve_that_cannot_be_met_for_one_line_reserves_nothing(
    stocked, make_variant
):
    variant, main, _ = stocked
    other = make_variant("Other")
    with pytest.raises(OutOfStock) as info:
        services.stock_reserve(
            lines=[Line(variant.pk, 3), Line(other.pk, 1)], owner_type="order"
        )
    assert (
        info.value.code == "out_of_stock"
        and info.value.details["variant_id"] == other.pk
    )
    assert Reservation.objects.count() == 0
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}


def test_commit_ships_units_and_writes_the_sale(stocked):
    variant, main, _ = stocked
    (reservation,) = services.stock_reserve(
        lines=[Line(variant.pk, 4)], owner_type="order_line", owner_id="42"
    )
    services.reservation_commit(reservation_ids=[reservation.pk])
    main.refresh_from_db()
    assert (main.on_hand, main.reserved) == (6, 0)
    sale = StockMovement.objects.get(kind="sale")
    assert (sale.quantity, sale.reference_type, sale.reference_id) == (
        -4,
        "order_line",
        "42",
    )
    with pytest.raises(ReservationNotActive):
        services.reservation_release(reservation_ids=[reservation.pk])
    assert selectors.ledger_mismatches() == [] and selectors.reserved_mismatches() == []


def test_customer_may_hold_at_most_five_active_reservations_per_variant(
    stocked, settings
):
    variant, _, _ = stocked
    for _ in range(5):
        services.stock_reserve(
            lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=7
        )
    with pytest.raises(ReservationLimit):
        services.stock_reserve(
            lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=7
        )
    services.stock_reserve(
        lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=8
    )
    assert Reservation.objects.filter(customer_id=7).count() == 5


def test_expiry_releases_exactly_the_expired_rows_and_is_idempotent(stocked):
    variant, main, spare = stocked
    old = services.stock_reserve(
        lines=[Line(variant.pk, 3)], owner_type="order", owner_id="old"
    )
    fresh = services.stock_reserve(
        lines=[Line(variant.pk, 2)], owner_type="order", owner_id="fresh"
    )
    Reservation.objects.filter(pk__in=[r.pk for r in old]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.reservations_expire(batch_size=1) == 1
    assert services.reservations_expire(batch_size=100) == 0
    assert Reservation.objects.get(pk=old[0].pk).status == "expired"
    assert Reservation.objects.get(pk=fresh[0].pk).status == "active"
    main.refresh_from_db()
    assert main.reserved == 2 and selectors.reserved_mismatches() == []


def test_adjustment_needs_a_reason_and_cannot_go_negative(stocked, audit_trail):
    _, main, _ = stocked
    with pytest.raises(StockChangeInvalid, match="reason"):
        services.stock_adjust(stock=main, quantity=-1, reason=" ")
    with pytest.raises(OutOfStock):
        services.stock_adjust(stock=main, quantity=-11, reason="count")
    services.stock_adjust(
        stock=main, quantity=-2, reason="broken in transit", actor_id=3
    )
    main.refresh_from_db()
    assert main.on_hand == 8
    assert (
        StockMovement.objects.filter(kind="adjustment").get().reason
        == "broken in transit"
    )


def test_transfer_is_two_movements_in_one_transaction(stocked):
    _, main, spare = stocked
    services.stock_transfer(source=main, target=spare, quantity=4)
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.on_hand, spare.on_hand) == (6, 9)
    with pytest.raises(OutOfStock):
        services.stock_transfer(source=main, target=spare, quantity=7)
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.on_hand, spare.on_hand) == (6, 9)
    assert (
        StockMovement.objects.filter(kind__in=["transfer_out", "transfer_in"]).count()
        == 2
    )


def test_purchase_order_receive_writes_receipts(stocked, warehouses):
    variant, main, _ = stocked
    po = PurchaseOrder.objects.create(
        supplier=Supplier.objects.create(name="Acme"), warehouse=warehouses[0]
    )
    PurchaseOrderLine.objects.create(purchase_order=po, variant=variant, quantity=20)
    with pytest.raises(StockChangeInvalid):
        services.purchase_order_receive(purchase_order=po)  # still a draft
    PurchaseOrder.objects.filter(pk=po.pk).update(status="ordered")
    services.purchase_order_receive(purchase_order=po)
    main.refresh_from_db()
    assert main.on_hand == 30
    assert (
        StockMovement.objects.filter(
            kind="receipt", reference_type="purchase_order", reference_id=str(po.pk)
        ).count()
        == 1
    )
    with pytest.raises(StockChangeInvalid):
        services.purchase_order_receive(purchase_order=po)


def test_in_stock_flags_follow_availability(stocked):
    variant, main, spare = stocked
    assert ProductVariant.objects.get(pk=variant.pk).in_stock
    assert Product.objects.get(pk=variant.product_id).in_stock
    services.stock_reserve(lines=[Line(variant.pk, 15)], owner_type="order")
    assert not ProductVariant.objects.get(pk=variant.pk).in_stock
    assert not Product.objects.get(pk=variant.product_id).in_stock

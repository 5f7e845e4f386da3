"""Inventory services: reserve all lines or none, commit, release, expire, adjust, transfer,
receive purchase orders, and keep catalog's availability flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from apps.catalog.models import Product, ProductVariant
from apps.inventory import selectors, services
from apps.inventory.errors import (
    OutOfStock,
    PurchaseOrderStatusInvalid,
    ReservationLimit,
    ReservationNotActive,
    StockChangeInvalid,
)
from apps.inventory.models import (
    LowStockAlert,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
)
from apps.inventory.services import Line
from apps.inventory.services import stock as stock_module
from apps.inventory.services.stock import _move

real_plan = stock_module._plan

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


def test_a_reservation_that_loses_its_race_plans_again(stocked, monkeypatch):
    variant, main, spare = stocked
    # given: a plan read while main still had 10 units, then a buyer who takes 5 of them
    stale = stock_module._plan([Line(variant.pk, 8)])
    services.stock_reserve(lines=[Line(variant.pk, 5)], owner_type="order")
    plans = [stale]
    monkeypatch.setattr(
        stock_module, "_plan", lambda lines: plans.pop() if plans else real_plan(lines)
    )
    # when
    reservations = services.stock_reserve(
        lines=[Line(variant.pk, 8)], owner_type="order", owner_id="late"
    )
    # then: main refused 8 more units (CHECK reserved <= on_hand), the fresh plan took the rest
    # from the spare warehouse
    assert sorted((r.stock_id, r.quantity) for r in reservations) == sorted(
        [(main.pk, 5), (spare.pk, 3)]
    )
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.reserved, spare.reserved) == (10, 3)
    assert selectors.reserved_mismatches() == []


def test_a_reservation_that_loses_every_race_is_out_of_stock_and_changes_nothing(
    stocked, monkeypatch
):
    variant, main, _ = stocked
    stale = stock_module._plan([Line(variant.pk, 8)])
    services.stock_reserve(lines=[Line(variant.pk, 5)], owner_type="order")
    monkeypatch.setattr(stock_module, "_plan", lambda lines: stale)
    before = (_ledger(), Reservation.objects.count())
    with pytest.raises(OutOfStock) as caught:
        services.stock_reserve(lines=[Line(variant.pk, 8)], owner_type="order")
    assert type(caught.value) is OutOfStock
    assert (caught.value.code, caught.value.details) == (
        "out_of_stock",
        {"variant_id": variant.pk, "requested": 8},
    )
    assert (_ledger(), Reservation.objects.count()) == before


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


def test_adjustment_needs_a_reason_and_cannot_go_negative(stocked, staff):
    _, main, _ = stocked
    with pytest.raises(StockChangeInvalid, match="reason"):
        services.stock_adjust(stock=main, quantity=-1, reason=" ")
    with pytest.raises(OutOfStock):
        services.stock_adjust(stock=main, quantity=-11, reason="count")
    services.stock_adjust(
        stock=main, quantity=-2, reason="broken in transit", actor=staff
    )
    main.refresh_from_db()
    assert main.on_hand == 8
    movement = StockMovement.objects.filter(kind="adjustment").get()
    assert (movement.reason, movement.actor_id, movement.reference_id) == (
        "broken in transit",
        staff.pk,
        str(staff.pk),
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
    with pytest.raises(PurchaseOrderStatusInvalid):
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
    with pytest.raises(PurchaseOrderStatusInvalid):
        services.purchase_order_receive(purchase_order=po)


def test_in_stock_flags_follow_availability(stocked):
    variant, main, spare = stocked
    assert ProductVariant.objects.get(pk=variant.pk).in_stock
    assert Product.objects.get(pk=variant.product_id).in_stock
    services.stock_reserve(lines=[Line(variant.pk, 15)], owner_type="order")
    assert not ProductVariant.objects.get(pk=variant.pk).in_stock
    assert not Product.objects.get(pk=variant.product_id).in_stock


def _ledger() -> tuple:
    return (
        list(Stock.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        StockMovement.objects.count(),
    )


# --- ledger refusals -----------------------------------------------------------------------


def test_removing_units_below_zero_is_out_of_stock_and_changes_nothing(stocked):
    _, main, _ = stocked
    before = _ledger()
    with pytest.raises(OutOfStock) as caught:
        services.stock_adjust(stock=main, quantity=-11, reason="count")
    assert (caught.value.code, caught.value.details) == (
        "out_of_stock",
        {"stock_id": main.pk},
    )
    assert _ledger() == before


def test_removing_reserved_units_is_out_of_stock_and_changes_nothing(stocked):
    variant, main, _ = stocked
    services.stock_reserve(lines=[Line(variant.pk, 8)], owner_type="order")
    before = _ledger()
    with pytest.raises(OutOfStock):  # on_hand 5 would be under reserved 8
        services.stock_adjust(stock=main, quantity=-5, reason="count")
    assert _ledger() == before


def test_a_movement_of_the_wrong_sign_is_refused_by_its_rule(stocked):
    _, main, _ = stocked
    before = _ledger()
    with pytest.raises(StockChangeInvalid, match="Receipts") as caught:
        services.stock_adjust(stock=main, quantity=-1, reason="x", kind="receipt")
    assert caught.value.code == "stock_change_invalid"
    with pytest.raises(StockChangeInvalid, match="must change the quantity"):
        _move(main.pk, StockMovement.Kind.ADJUSTMENT, 0)
    assert _ledger() == before


# --- reorder levels, warehouses ------------------------------------------------------------


def test_stock_reorder_set_raises_the_low_stock_alert_at_once(stocked):
    _, main, _ = stocked
    stock = services.stock_reorder_set(
        stock=main, reorder_point=20, reorder_quantity=50
    )
    assert (stock.reorder_point, stock.reorder_quantity, stock.on_hand) == (20, 50, 10)
    assert LowStockAlert.objects.filter(stock=main, cleared_at__isnull=True).exists()


def test_stock_reorder_set_to_the_levels_it_has_writes_nothing(stocked):
    _, main, _ = stocked
    services.stock_reorder_set(stock=main, reorder_point=20, reorder_quantity=50)
    before = Stock.objects.get(pk=main.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auditing_auditevent_inbox_events")
        events = cursor.fetchone()[0]
    stock = services.stock_reorder_set(
        stock=main, reorder_point=20, reorder_quantity=50
    )
    assert stock.updated_at == before.updated_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auditing_auditevent_inbox_events")
        assert cursor.fetchone()[0] == events
    stock = services.stock_reorder_set(
        stock=main, reorder_point=20, reorder_quantity=60
    )
    assert stock.reorder_quantity == 60 and stock.updated_at > before.updated_at


def test_deactivating_a_warehouse_takes_its_stock_out_of_availability(stocked):
    variant, main, spare = stocked
    for warehouse in (main.warehouse, spare.warehouse):
        warehouse.is_active = False
        services.warehouse_save(warehouse=warehouse)
    variant.refresh_from_db()
    assert not variant.in_stock
    spare.warehouse.is_active = True
    services.warehouse_save(warehouse=spare.warehouse)
    variant.refresh_from_db()
    assert variant.in_stock


# --- purchase orders -----------------------------------------------------------------------


@pytest.fixture
def draft(stocked, warehouses):
    variant, _, _ = stocked
    po = services.purchase_order_save(
        purchase_order=PurchaseOrder(
            supplier=services.supplier_save(supplier=Supplier(name="Acme")),
            warehouse=warehouses[0],
            status="received",  # not for the caller to choose
        )
    )
    services.purchase_order_line_save(
        line=PurchaseOrderLine(purchase_order=po, variant=variant, quantity=4)
    )
    return po


def test_a_purchase_order_starts_as_a_draft(draft):
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "draft"


def test_purchase_order_flow_ordered_then_received(draft, stocked, staff):
    _, main, _ = stocked
    services.purchase_order_mark_ordered(purchase_order=draft, actor=staff)
    with pytest.raises(
        PurchaseOrderStatusInvalid, match="ordered: it cannot be changed"
    ):
        services.purchase_order_line_save(
            line=PurchaseOrderLine(
                purchase_order=draft, variant=main.variant, quantity=1
            )
        )
    services.purchase_order_receive(purchase_order=draft, actor=staff)
    main.refresh_from_db()
    receipt = StockMovement.objects.get(reference_type="purchase_order")
    assert (main.on_hand, receipt.quantity, receipt.actor_id) == (14, 4, staff.pk)
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "received"
    for service in (
        services.purchase_order_cancel,
        services.purchase_order_mark_ordered,
        services.purchase_order_receive,
    ):
        with pytest.raises(PurchaseOrderStatusInvalid) as caught:
            service(purchase_order=draft)
        assert caught.value.code == "purchase_order_status_invalid"


def test_an_ordered_purchase_order_keeps_supplier_and_warehouse(draft, warehouses):
    services.purchase_order_mark_ordered(purchase_order=draft)
    draft.warehouse, draft.note = warehouses[1], "call before delivery"
    saved = services.purchase_order_save(purchase_order=draft)
    stored = PurchaseOrder.objects.get(pk=draft.pk)
    assert (saved.warehouse_id, stored.warehouse_id, stored.note) == (
        warehouses[0].pk,
        warehouses[0].pk,
        "call before delivery",
    )


def test_an_empty_purchase_order_cannot_be_ordered(draft):
    line = draft.lines.get()
    services.purchase_order_line_delete(line=line)
    with pytest.raises(PurchaseOrderStatusInvalid, match="at least one line"):
        services.purchase_order_mark_ordered(purchase_order=draft)
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "draft"


def test_a_cancelled_purchase_order_never_reaches_stock(draft, stocked):
    _, main, _ = stocked
    services.purchase_order_cancel(purchase_order=draft)
    with pytest.raises(PurchaseOrderStatusInvalid):
        services.purchase_order_receive(purchase_order=draft)
    main.refresh_from_db()
    assert main.on_hand == 10

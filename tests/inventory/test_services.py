"""Inventory services the back office writes through (purchase orders, warehouses, reorder
levels), and the ledger refusals they translate by constraint name."""

from __future__ import annotations

import pytest

from apps.inventory import services
from apps.inventory.errors import (
    OutOfStock,
    PurchaseOrderStatusInvalid,
    StockChangeInvalid,
)
from apps.inventory.models import (
    LowStockAlert,
    PurchaseOrder,
    PurchaseOrderLine,
    Stock,
    StockMovement,
    Supplier,
)
from apps.inventory.services import Line
from apps.inventory.services.stock import _move

pytestmark = pytest.mark.django_db


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

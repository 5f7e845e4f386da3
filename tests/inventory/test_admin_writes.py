"""The inventory back office writes through the services: purchase orders, reorder levels,
warehouses."""

from __future__ import annotations

import pytest

from apps.inventory.models import (
    LowStockAlert,
    PurchaseOrder,
    Stock,
    StockMovement,
    Supplier,
)

pytestmark = pytest.mark.django_db


def test_purchase_order_added_with_lines_is_a_draft(
    admin_client_staff, stocked, warehouses
):
    variant, _, _ = stocked
    supplier = Supplier.objects.create(name="Acme")
    response = admin_client_staff.post(
        "/admin/inventory/purchaseorder/add/",
        {
            "supplier": supplier.pk,
            "warehouse": warehouses[0].pk,
            "expected_date": "",
            "note": "first order",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-variant": variant.pk,
            "lines-0-quantity": "6",
            "lines-0-unit_cost": "2.50",
        },
    )
    assert response.status_code == 302
    po = PurchaseOrder.objects.get(note="first order")
    assert (po.status, list(po.lines.values_list("quantity", flat=True))) == (
        "draft",
        [6],
    )


def test_cancel_action_and_no_delete(admin_client_staff, stocked, warehouses):
    po = PurchaseOrder.objects.create(
        supplier=Supplier.objects.create(name="Acme"), warehouse=warehouses[0]
    )
    admin_client_staff.post(
        "/admin/inventory/purchaseorder/",
        {"action": "cancel", "_selected_action": [po.pk]},
    )
    assert PurchaseOrder.objects.get(pk=po.pk).status == "cancelled"
    response = admin_client_staff.post(
        f"/admin/inventory/purchaseorder/{po.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert PurchaseOrder.objects.filter(pk=po.pk).exists()


def test_reorder_levels_are_set_through_the_service(admin_client_staff, stocked):
    _, main, _ = stocked
    response = admin_client_staff.post(
        f"/admin/inventory/stock/{main.pk}/change/",
        {
            "reorder_point": "12",
            "reorder_quantity": "40",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    stock = Stock.objects.get(pk=main.pk)
    assert (stock.reorder_point, stock.reorder_quantity, stock.on_hand) == (12, 40, 10)
    assert LowStockAlert.objects.filter(stock=main, cleared_at__isnull=True).exists()
    assert StockMovement.objects.filter(stock=main).count() == 1


def test_warehouse_list_edit_goes_through_the_service(
    admin_client_staff, stocked, warehouses
):
    variant, _, _ = stocked
    rows = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "_save": "Save",
    }
    for i, warehouse in enumerate(warehouses):
        rows[f"form-{i}-id"] = warehouse.pk
        rows[f"form-{i}-priority"] = warehouse.priority
        # Both off: the variant has no stock anywhere available.
    response = admin_client_staff.post("/admin/inventory/warehouse/", rows)
    assert response.status_code == 302
    variant.refresh_from_db()
    assert not variant.in_stock

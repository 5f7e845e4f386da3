"""Back office for stock: adjust with a reason, ledger read-only, release, receive."""

from __future__ import annotations

import re

import pytest

from apps.inventory.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
)
from apps.inventory.services import Line, stock_reserve

pytestmark = pytest.mark.django_db


def test_stock_changelist_shows_available_with_constant_queries(
    admin_client_staff, stocked, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client_staff.get("/admin/inventory/stock/")
    assert response.status_code == 200 and b"available" in response.content


def test_stock_changelist_fits_the_page_with_readable_names(
    admin_client_staff, stocked, django_assert_max_num_queries
):
    variant, main, spare = stocked
    with django_assert_max_num_queries(12):
        response = admin_client_staff.get("/admin/inventory/stock/")
    changelist = response.context["cl"]
    assert list(changelist.list_display)[1:] == [
        "sku",
        "item",
        "warehouse_code",
        "on_hand",
        "reserved",
        "available",
        "reorder_point",
    ]
    page = response.content.decode()
    assert f">{variant.sku}</a>" in page and ">MAIN</td>" in page
    assert not re.search(r"\d+@\d+", page)
    assert str(main) == f"{variant.sku} at Main"
    # the movements of a stock row name it readably, with no query per row
    with django_assert_max_num_queries(25):
        page = admin_client_staff.get(f"/admin/inventory/stock/{main.pk}/change/")
    assert f"Receipt +10 of {variant.sku} at Main" in page.content.decode()


def test_adjust_action_requires_a_reason_and_goes_through_the_ledger(
    admin_client_staff, stocked, staff
):
    _, main, _ = stocked
    data = {
        "action": "adjust_stock",
        "_selected_action": [main.pk],
        "apply": "1",
        "quantity": "-3",
        "reason": "",
    }
    response = admin_client_staff.post("/admin/inventory/stock/", data)
    assert response.status_code == 400 and b"This field is required" in response.content
    main.refresh_from_db()
    assert main.on_hand == 10
    response = admin_client_staff.post(
        "/admin/inventory/stock/", {**data, "reason": "damaged"}
    )
    assert response.status_code == 302
    main.refresh_from_db()
    movement = StockMovement.objects.get(kind="adjustment")
    assert (main.on_hand, movement.quantity, movement.reason, movement.actor_id) == (
        7,
        -3,
        "damaged",
        staff.pk,
    )


def test_adjust_below_zero_shows_an_error_and_changes_nothing(
    admin_client_staff, stocked
):
    _, main, _ = stocked
    data = {
        "action": "adjust_stock",
        "_selected_action": [main.pk],
        "apply": "1",
        "quantity": "-50",
        "reason": "count",
    }
    response = admin_client_staff.post("/admin/inventory/stock/", data, follow=True)
    assert b"Not enough stock" in response.content
    main.refresh_from_db()
    assert main.on_hand == 10


def test_ledger_is_read_only_in_the_admin(admin_client_staff, stocked):
    movement = StockMovement.objects.first()
    assert (
        admin_client_staff.post(
            f"/admin/inventory/stockmovement/{movement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert StockMovement.objects.filter(pk=movement.pk).exists()


def test_release_action(admin_client_staff, stocked):
    variant, main, _ = stocked
    (reservation,) = stock_reserve(lines=[Line(variant.pk, 2)], owner_type="order")
    admin_client_staff.post(
        "/admin/inventory/reservation/",
        {"action": "release", "_selected_action": [reservation.pk]},
    )
    assert Reservation.objects.get(pk=reservation.pk).status == "released"
    assert Stock.objects.get(pk=main.pk).reserved == 0


def test_receive_action_on_purchase_order(admin_client_staff, stocked, warehouses):
    variant, main, _ = stocked
    po = PurchaseOrder.objects.create(
        supplier=Supplier.objects.create(name="Acme"),
        warehouse=warehouses[0],
        status="ordered",
    )
    PurchaseOrderLine.objects.create(purchase_order=po, variant=variant, quantity=5)
    admin_client_staff.post(
        "/admin/inventory/purchaseorder/",
        {"action": "receive", "_selected_action": [po.pk]},
    )
    assert Stock.objects.get(pk=main.pk).on_hand == 15
    assert PurchaseOrder.objects.get(pk=po.pk).status == "received"


def test_warehouse_role_opens_stock_admin_and_support_cannot_adjust(
    client, stocked, django_capture_on_commit_callbacks
):
    from apps.accounts import services as accounts
    from apps.accounts.models import Role
    from tests.accounts.factories import UserFactory

    keeper, helper = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.role_grant(user=keeper, role=Role.objects.get(name="Warehouse"))
        accounts.role_grant(user=helper, role=Role.objects.get(name="Support"))
    client.force_login(keeper)
    assert client.get("/admin/inventory/stock/").status_code == 200
    client.force_login(helper)
    assert client.get("/admin/inventory/stock/").status_code == 200  # view only
    _, main, _ = stocked
    client.post(
        "/admin/inventory/stock/",
        {
            "action": "adjust_stock",
            "_selected_action": [main.pk],
            "apply": "1",
            "quantity": "-1",
            "reason": "x",
        },
    )
    main.refresh_from_db()
    assert main.on_hand == 10

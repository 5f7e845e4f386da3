"""Stock, movement and reservation lists that stay fast on a big shop: searches answered
by indexes through the variants' ids, the stock rows in their unique index's order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.inventory import services
from apps.inventory.models import LowStockAlert
from apps.inventory.services import Line, stock_reserve
from tests.plans import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stocked(make_variant, warehouses):
    """'Linen Shirt' (INV-1) and 'Wool Jumper' (INV-2), 10 units each in both warehouses."""
    rows = []
    for name in ("Linen Shirt", "Wool Jumper"):
        variant = make_variant(name=name)
        for warehouse in warehouses:
            stock = services.stock_for(variant_id=variant.pk, warehouse=warehouse)
            services.stock_receive(stock=stock, quantity=10)
            rows.append(stock)
    return rows


def _listed(client, url, query=None):
    response = client.get(url, query or {})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_stock_search_finds_product_name_and_sku_part(admin_client_staff, two_stocked):
    url = "/admin/inventory/stock/"
    linen = _listed(admin_client_staff, url, {"q": "linen"})
    assert sorted((s.variant.sku, s.warehouse.code) for s in linen) == [
        ("INV-1", "main"),
        ("INV-1", "spare"),
    ]
    assert {s.variant.sku for s in _listed(admin_client_staff, url, {"q": "v-2"})} == {
        "INV-2"
    }
    assert _listed(admin_client_staff, url, {"q": "linen jumper"}) == []


def test_stock_list_is_in_the_unique_index_order_and_counts_at_most_a_cap(
    admin_client_staff, two_stocked
):
    rows = _listed(admin_client_staff, "/admin/inventory/stock/")
    keys = [(s.variant_id, s.warehouse_id) for s in rows]
    assert keys == sorted(keys, reverse=True)
    with CaptureQueriesContext(connection) as captured:
        admin_client_staff.get("/admin/inventory/stock/")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10000" in counts[0]
    page = next(
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT "inventory_stock"."id"')
    )
    assert 'ORDER BY "inventory_stock"."variant_id" DESC' in page


def test_movement_search_finds_a_sku_part_and_a_reference(
    admin_client_staff, two_stocked
):
    url = "/admin/inventory/stockmovement/"
    found = _listed(admin_client_staff, url, {"q": "INV-2"})
    assert len(found) == 2
    assert {m.stock.variant.sku for m in found} == {"INV-2"}
    received = services.stock_receive(
        stock=two_stocked[0],
        quantity=3,
        reference_type="purchase_order",
        reference_id="PO-77",
    )
    assert _listed(admin_client_staff, url, {"q": "PO-77"}) == [received]
    assert _listed(admin_client_staff, url, {"q": "PO-7"}) == []  # a reference is exact
    assert _listed(admin_client_staff, url, {"q": "nothing"}) == []


def test_reservation_search_finds_the_owner_and_the_sku(
    admin_client_staff, two_stocked
):
    variant_id = two_stocked[0].variant_id
    (reservation,) = stock_reserve(
        lines=[Line(variant_id, 2)], owner_type="order", owner_id="4711"
    )
    url = "/admin/inventory/reservation/"
    assert _listed(admin_client_staff, url, {"q": "4711"}) == [reservation]
    assert _listed(admin_client_staff, url, {"q": "471"}) == []  # an id is exact
    assert _listed(admin_client_staff, url, {"q": "inv-1"}) == [reservation]


def test_low_stock_alerts_list_newest_first_by_index_and_count_at_most_a_cap(
    admin_client_staff, two_stocked
):
    # given: three stock rows run low in turn, the first one filled up again
    first, second, third = two_stocked[:3]
    for stock in (first, second, third):
        services.stock_reorder_set(stock=stock, reorder_point=20, reorder_quantity=50)
    services.stock_receive(stock=first, quantity=30)
    url = "/admin/inventory/lowstockalert/"
    # then: newest first, all of them or the open ones, with no count of the whole table
    assert [a.stock_id for a in _listed(admin_client_staff, url)] == [
        third.pk,
        second.pk,
        first.pk,
    ]
    assert [
        a.stock_id
        for a in _listed(admin_client_staff, url, {"cleared_at__isnull": "True"})
    ] == [third.pk, second.pk]
    with CaptureQueriesContext(connection) as captured:
        admin_client_staff.get(url)
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10000" in counts[0]
    assert "inventory_alert_newest" in plan(LowStockAlert.objects.all()[:50])
    assert "inventory_alert_open_newest" in plan(
        LowStockAlert.objects.filter(cleared_at__isnull=True)[:50]
    )

"""`manage.py seed_demo` stocks the demo catalog in two warehouses through the ledger."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from apps.catalog.models import Product, ProductVariant
from apps.demo import inventory as demo_inventory
from apps.inventory import selectors as inventory
from apps.inventory.models import LowStockAlert, Stock, StockMovement, Warehouse


@pytest.mark.django_db
def test_seed_demo_stocks_the_catalog_and_the_ledger_adds_up():
    call_command("seed_demo", products=12, orders=0, stdout=StringIO())
    assert set(Warehouse.objects.values_list("code", flat=True)) == {"ber", "ham"}
    assert Stock.objects.exists()
    assert inventory.ledger_mismatches() == []
    in_stock = Product.objects.filter(in_stock=True).count()
    assert 0 < in_stock <= Product.objects.count()
    stocked = set(Stock.objects.values_list("variant_id", flat=True))
    call_command("seed_demo", products=12, orders=0, stdout=StringIO())
    assert set(Stock.objects.values_list("variant_id", flat=True)) == stocked


@pytest.mark.django_db
def test_seed_demo_without_products_creates_no_stock():
    call_command("seed_demo", products=0, stdout=StringIO())
    assert not Warehouse.objects.exists() and not Stock.objects.exists()


@pytest.mark.django_db
def test_seed_demo_opens_stock_through_receipts_and_flags_what_can_be_sold():
    call_command("seed_demo", products=20, orders=0, stdout=StringIO())
    movements = StockMovement.objects.all()
    assert movements.exists()
    assert set(movements.values_list("kind", "reason", "reference_type")) == {
        ("receipt", "opening stock", "demo")
    }
    assert all(1 <= q <= 120 for q in movements.values_list("quantity", flat=True))
    # on_hand came from the ledger; rows without a receipt stay at 0
    assert inventory.ledger_mismatches() == []
    assert not Stock.objects.filter(movements__isnull=True, on_hand__gt=0).exists()
    # a variant is in stock exactly when one of its stock rows has something to sell
    sellable = set(
        Stock.objects.filter(on_hand__gt=F("reserved")).values_list(
            "variant_id", flat=True
        )
    )
    assert (
        set(ProductVariant.objects.filter(in_stock=True).values_list("pk", flat=True))
        == sellable
    )
    # and a product exactly when one of its active variants is
    assert set(
        Product.objects.filter(in_stock=True).values_list("pk", flat=True)
    ) == set(
        ProductVariant.objects.filter(
            in_stock=True, is_active=True, deleted_at__isnull=True
        ).values_list("product_id", flat=True)
    )
    # low-stock alerts are open exactly where less than the reorder point is available
    low = set(
        Stock.objects.filter(
            on_hand__lt=F("reserved") + F("reorder_point")
        ).values_list("pk", flat=True)
    )
    assert (
        set(
            LowStockAlert.objects.filter(cleared_at__isnull=True).values_list(
                "stock_id", flat=True
            )
        )
        == low
    )


@pytest.mark.django_db
def test_a_run_stopped_between_stock_rows_and_receipts_is_completed_by_the_next():
    call_command("seed_demo", products=20, orders=0, stdout=StringIO())
    before = StockMovement.objects.count()
    product = Product.objects.order_by("pk").first()
    variants = [
        ProductVariant.objects.create(
            product=product,
            sku=f"CLO-999999-R{n}",
            name=f"Reopened {n}",
            position=90 + n,
        )
        for n in range(5)
    ]
    ids = [variant.pk for variant in variants]
    # The state a stop after a chunk's first transaction leaves: stock rows, no receipts.
    with connection.cursor() as cursor:
        cursor.execute(
            demo_inventory.OPEN_STOCK,
            [ids, list(Warehouse.objects.values_list("pk", flat=True))],
        )
        cursor.execute(
            "SELECT s.id FROM inventory_stock s"
            f" CROSS JOIN LATERAL (SELECT {demo_inventory.ROW_HASH}) AS h (value)"
            f" WHERE s.variant_id = ANY(%s) AND {demo_inventory.RECEIPT_DUE}",
            [ids],
        )
        due = {row[0] for row in cursor.fetchall()}
    assert due and StockMovement.objects.count() == before

    call_command("seed_demo", products=20, orders=0, stdout=StringIO())

    received = set(
        StockMovement.objects.filter(stock__variant_id__in=ids).values_list(
            "stock_id", flat=True
        )
    )
    assert received == due
    assert StockMovement.objects.count() == before + len(due)
    assert inventory.ledger_mismatches() == []
    sellable = set(
        Stock.objects.filter(pk__in=due, on_hand__gt=0).values_list(
            "variant_id", flat=True
        )
    )
    assert (
        set(
            ProductVariant.objects.filter(pk__in=ids, in_stock=True).values_list(
                "pk", flat=True
            )
        )
        == sellable
    )

"""Demo stock: two warehouses, opening receipts for every demo variant that has no stock yet."""

from __future__ import annotations

import random
from typing import IO

from django.core.management.base import OutputWrapper
from django.db import connection, transaction

from apps.inventory.models import Stock, StockMovement, Warehouse

from .progress import output, progress

WAREHOUSES = [
    ("ber", "Berlin central", "Lagerstraße 1, 10115 Berlin", 1),
    ("ham", "Hamburg port", "Kai 7, 20457 Hamburg", 2),
]
BATCH = 5000


@transaction.atomic
def _warehouses() -> list[Warehouse]:
    return [
        Warehouse.objects.get_or_create(
            code=code, defaults={"name": name, "address": address, "priority": priority}
        )[0]
        for code, name, address, priority in WAREHOUSES
    ]


def seed_stock(stdout: IO[str] | OutputWrapper) -> int:
    """Give every variant without stock an opening receipt (about one in ten stays sold out)."""
    out = output(stdout)
    warehouses = _warehouses()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.id FROM catalog_productvariant v WHERE v.deleted_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM inventory_stock s WHERE s.variant_id = v.id) ORDER BY v.id"
        )
        variant_ids = [row[0] for row in cursor.fetchall()]
    rng = random.Random(7)
    done = 0
    for start in range(0, len(variant_ids), BATCH):
        chunk = variant_ids[start : start + BATCH]
        with transaction.atomic():
            stocks = Stock.objects.bulk_create(
                [
                    Stock(
                        variant_id=variant_id,
                        warehouse=warehouse,
                        reorder_point=5,
                        reorder_quantity=50,
                    )
                    for variant_id in chunk
                    for warehouse in warehouses
                ]
            )
            StockMovement.objects.bulk_create(
                [
                    StockMovement(
                        stock=stock,
                        kind="receipt",
                        quantity=rng.randint(1, 120),
                        reason="opening stock",
                        reference_type="demo",
                    )
                    for stock in stocks
                    if rng.random() > 0.35
                ]
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE catalog_productvariant v SET in_stock = true WHERE v.id = ANY(%s) AND EXISTS ("
                    " SELECT 1 FROM inventory_stock s WHERE s.variant_id = v.id AND s.on_hand > s.reserved)",
                    [chunk],
                )
        done += len(chunk)
        progress(out, "stock", done, len(variant_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product p SET in_stock = true WHERE NOT p.in_stock AND EXISTS ("
            " SELECT 1 FROM catalog_productvariant v WHERE v.product_id = p.id AND v.in_stock AND v.is_active"
            " AND v.deleted_at IS NULL)"
        )
    if variant_ids:
        from apps.catalog.cache import product_cache_invalidate

        product_cache_invalidate()  # listings show availability: drop cached ones
    return len(variant_ids)

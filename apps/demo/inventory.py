"""Demo stock: two warehouses, opening receipts for every demo variant that has no stock yet."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from django.core.management.base import OutputWrapper
from django.db import connection, transaction

from apps.inventory.models import Warehouse

from .catalog import SKU_PATTERN
from .progress import output, progress

WAREHOUSES = [
    ("ber", "Berlin central", "Lagerstraße 1, 10115 Berlin", 1),
    ("ham", "Hamburg port", "Kai 7, 20457 Hamburg", 2),
]
BATCH = 10_000  # variants per transaction (two)
WORKERS = 2  # connections opening stock at once


@transaction.atomic
def _warehouses() -> list[Warehouse]:
    return [
        Warehouse.objects.get_or_create(
            code=code, defaults={"name": name, "address": address, "priority": priority}
        )[0]
        for code, name, address, priority in WAREHOUSES
    ]


# A stock row's opening receipt, from a hash of the row (the same on every run): about two in
# three rows get one, of 1 to 120 units, so that some variants stay sold out. The statements
# name their rows by id (ANY of a list, the rows the INSERT returned) rather than joining the
# growing stock table: its statistics lag behind a seeding, and a join planned on them can
# turn into a nested loop over the whole table.
# The hash of stock row `s` that decides its receipt: the low 10 bits whether it gets one,
# the next 20 how much.
ROW_HASH = "hashtextextended(s.variant_id || '/' || s.warehouse_id, 7)"
RECEIPT_DUE = "(h.value & 1023) >= 358"
OPEN_STOCK = """
INSERT INTO inventory_stock
    (variant_id, warehouse_id, on_hand, reserved, reorder_point, reorder_quantity, updated_at)
SELECT v.id, w.id, 0, 0, 5, 50, now()
  FROM unnest(%s::bigint[]) AS v (id) CROSS JOIN unnest(%s::bigint[]) AS w (id)
 ORDER BY v.id, w.id
RETURNING id, variant_id, warehouse_id
"""
OPENING_RECEIPTS = f"""
INSERT INTO inventory_stockmovement
    (stock_id, kind, quantity, reason, reference_type, reference_id, actor_id, created_at)
SELECT s.id, 'receipt', 1 + (h.value >> 10 & 1048575) %% 120, 'opening stock', 'demo', '',
       NULL, now()
  FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS s (id, variant_id, warehouse_id)
 CROSS JOIN LATERAL (SELECT {ROW_HASH}) AS h (value)
 WHERE {RECEIPT_DUE}
 ORDER BY s.id
RETURNING stock_id
"""  # noqa: S608 - built from this module's constants only
# Stock rows of demo variants in the demo warehouses that the hash gives a receipt and that
# have no movement at all: what a run stopped between a chunk's two transactions left.
UNRECEIVED = f"""
SELECT s.id, s.variant_id, s.warehouse_id
  FROM inventory_stock s
  JOIN catalog_productvariant v ON v.id = s.variant_id
 CROSS JOIN LATERAL (SELECT {ROW_HASH}) AS h (value)
 WHERE s.warehouse_id = ANY (%s::bigint[]) AND v.sku ~ %s AND {RECEIPT_DUE}
   AND NOT EXISTS (SELECT FROM inventory_stockmovement m WHERE m.stock_id = s.id)
 ORDER BY s.id
"""  # noqa: S608 - built from this module's constants only
# The variants that can now be sold: in stock where a stock row has more than is reserved.
IN_STOCK = """
UPDATE catalog_productvariant v SET in_stock = true
 WHERE v.id = ANY (%s::bigint[]) AND NOT v.in_stock
   AND EXISTS (SELECT FROM inventory_stock s WHERE s.variant_id = v.id AND s.on_hand > s.reserved)
"""
# Their products, locked in id order first: two connections opening neighbouring chunks may
# share products, and never wait in a circle.
PRODUCTS_IN_STOCK = """
UPDATE catalog_product p SET in_stock = true
 WHERE p.id IN (
     SELECT l.id FROM catalog_product l
      WHERE NOT l.in_stock AND l.id IN (
          SELECT v.product_id FROM catalog_productvariant v
           WHERE v.id = ANY (%s::bigint[]) AND v.in_stock AND v.is_active
             AND v.deleted_at IS NULL)
      ORDER BY l.id FOR UPDATE)
"""


def _receive(stock: list[tuple[int, int, int]]) -> None:
    """Opening receipts for these stock rows (id, variant, warehouse), the hash choosing
    which; the variants and products they make sellable marked in stock."""
    variant_of = {pk: variant_id for pk, variant_id, _ in stock}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            OPENING_RECEIPTS,
            [
                [row[0] for row in stock],
                [row[1] for row in stock],
                [row[2] for row in stock],
            ],
        )
        received = sorted({variant_of[row[0]] for row in cursor.fetchall()})
        cursor.execute(IN_STOCK, [received])
        cursor.execute(PRODUCTS_IN_STOCK, [received])


def _open(chunk: list[int], warehouses: list[int]) -> int:
    # Two transactions: the ledger's UPDATE of stock rows inserted by the same transaction
    # costs several times more (measured: 10k rows 4.0 s against 1.5 s). A run stopped
    # between the two leaves that chunk's stock rows without receipts: the next run gives
    # them theirs (`_unreceived`).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(OPEN_STOCK, [chunk, warehouses])
        stock = cursor.fetchall()
    _receive(stock)
    return len(chunk)


def _open_on_own_connection(chunk: list[int], warehouses: list[int]) -> int:
    try:
        return _open(chunk, warehouses)
    finally:
        connection.close()  # the worker thread's connection


def _open_all(chunks: list[list[int]], warehouses: list[int]) -> Iterator[int]:
    """Open the chunks, WORKERS at a time on connections of their own (they share no row).

    Inside a transaction (a test's) other connections would not see the variants: one by one.
    """
    if connection.in_atomic_block or len(chunks) < 2:
        for chunk in chunks:
            yield _open(chunk, warehouses)
        return
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        # each task in a copy of this context: the audit context names the command
        yield from pool.map(
            lambda chunk: contextvars.copy_context().run(
                _open_on_own_connection, chunk, warehouses
            ),
            chunks,
        )


def seed_stock(stdout: IO[str] | OutputWrapper) -> int:
    """Give every variant without stock an opening receipt (about one in ten stays sold out).

    A few statements per BATCH variants: the stock rows in one INSERT ... SELECT, their
    receipts in another (the ledger's statement-level trigger sets on_hand from them), then
    the variants that can be sold are marked in stock.
    """
    out = output(stdout)
    warehouses = [warehouse.pk for warehouse in _warehouses()]
    with connection.cursor() as cursor:
        cursor.execute(UNRECEIVED, [warehouses, SKU_PATTERN])
        unreceived = cursor.fetchall()
    for start in range(0, len(unreceived), 2 * BATCH):
        _receive(unreceived[start : start + 2 * BATCH])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.id FROM catalog_productvariant v WHERE v.deleted_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM inventory_stock s WHERE s.variant_id = v.id) ORDER BY v.id"
        )
        variant_ids = [row[0] for row in cursor.fetchall()]
    chunks = [
        variant_ids[start : start + BATCH]
        for start in range(0, len(variant_ids), BATCH)
    ]
    done = 0
    for opened in _open_all(chunks, warehouses):
        done += opened
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

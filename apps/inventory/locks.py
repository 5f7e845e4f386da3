"""Row locks of the inventory app, always taken in primary-key order (no deadlocks)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def stock_lock(stock_ids: Iterable[int]) -> None:
    """Lock these stock rows (in id order) until the end of the transaction."""
    ids = sorted(set(stock_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM inventory_stock WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
        )
        cursor.fetchall()

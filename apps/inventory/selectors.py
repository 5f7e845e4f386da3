"""Reads with meaning: the ledger check."""

from __future__ import annotations

from django.db import connection


def ledger_mismatches(limit: int = 100) -> list[tuple[int, int, int]]:
    """Stock rows whose on_hand differs from the sum of their movements: (stock, on_hand, ledger)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.on_hand, COALESCE(m.total, 0)
            FROM inventory_stock s
            LEFT JOIN (SELECT stock_id, sum(quantity) AS total FROM inventory_stockmovement GROUP BY stock_id) m
                   ON m.stock_id = s.id
            WHERE s.on_hand <> COALESCE(m.total, 0)
            ORDER BY s.id LIMIT %s
            """,
            [limit],
        )
        return cursor.fetchall()


def reserved_mismatches(limit: int = 100) -> list[tuple[int, int, int]]:
    """Stock rows whose reserved differs from their active reservations: (stock, reserved, active)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.reserved, COALESCE(r.total, 0)
            FROM inventory_stock s
            LEFT JOIN (SELECT stock_id, sum(quantity) AS total FROM inventory_reservation
                       WHERE status = 'active' GROUP BY stock_id) r ON r.stock_id = s.id
            WHERE s.reserved <> COALESCE(r.total, 0)
            ORDER BY s.id LIMIT %s
            """,
            [limit],
        )
        return cursor.fetchall()

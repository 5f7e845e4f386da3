"""The daily sales rollup the dashboard reads (kept by a beat job)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

# Orders that count as sales: placed and not cancelled, expired or returned.
SOLD = ("paid", "partially_fulfilled", "shipped", "delivered")


@transaction.atomic
def sales_rollup(*, days: int = 2, today: dt.date | None = None) -> int:
    """Recompute the last `days` days of sales (UTC days) from the orders; idempotent."""
    today = today or timezone.now().date()
    first = today - dt.timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_salesday (day, currency, orders, units, revenue, refreshed_at)
            SELECT d::date, %s,
                   count(o.id), COALESCE(sum(o.item_count), 0), COALESCE(sum(o.total), 0), now()
            FROM generate_series(%s::date, %s::date, interval '1 day') d
            LEFT JOIN orders_order o
              ON o.placed_at >= d AND o.placed_at < d + interval '1 day'
             AND o.status = ANY(%s)
            GROUP BY d
            ON CONFLICT (day) DO UPDATE SET orders = EXCLUDED.orders, units = EXCLUDED.units,
                revenue = EXCLUDED.revenue, refreshed_at = EXCLUDED.refreshed_at
            """,
            [settings.ORDERS_CURRENCY, first, today, list(SOLD)],
        )
        return cursor.rowcount

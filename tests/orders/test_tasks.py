"""Orders' maintenance jobs record their runs and are safe to run again."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from apps.auditing.jobs import JOBS, job_execute, load_all_jobs
from apps.inventory.models import Stock
from apps.orders import services
from apps.orders.models import IdempotencyKey, Order, OutboxEvent, SalesDay


def test_every_orders_job_is_declared_with_a_schedule():
    load_all_jobs()
    names = {"orders.expire", "orders.outbox_relay", "orders.idempotency_purge"}
    assert names | {"orders.sales_rollup"} <= set(JOBS)
    assert all(JOBS[name].schedule is not None for name in names)


def test_the_jobs_expire_relay_purge_and_roll_up(
    stocked_variant, checkout, new_key, monkeypatch
):
    load_all_jobs()
    shirt = stocked_variant(price="20.00", units=5)
    order = services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 2}), actor=None
    )
    with connection.cursor() as cursor:  # the window closed a while ago
        cursor.execute(
            "UPDATE orders_order SET expires_at = placed_at + interval '1 microsecond'"
            " WHERE id = %s",
            [order.pk],
        )
    run = job_execute("orders.expire")
    assert (run.outcome, run.rows) == ("success", 1)
    assert job_execute("orders.expire").rows == 0
    order.refresh_from_db()
    assert order.status == "expired"
    assert Stock.objects.get().reserved == 0

    relay = job_execute("orders.outbox_relay")
    assert relay.outcome == "success" and relay.rows == 2  # placed, expired
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"sent"}

    assert job_execute("orders.idempotency_purge").rows == 0  # kept for a while
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(days=3))
    assert job_execute("orders.idempotency_purge").rows == 1
    monkeypatch.setattr(timezone, "now", real_now)
    assert not IdempotencyKey.objects.exists()
    assert Order.objects.filter(pk=order.pk).exists()

    assert job_execute("orders.sales_rollup").outcome == "success"
    assert SalesDay.objects.count() == 2

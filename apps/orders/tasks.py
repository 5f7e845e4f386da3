"""Orders' maintenance jobs (Celery beat, recorded as JobRuns)."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from apps.auditing.jobs import maintenance_job
from apps.auditing.models import JobRun

from . import services
from .outbox import outbox_relay


@maintenance_job("orders.expire", schedule=crontab(minute="*"))
def orders_expire_task(run: JobRun) -> int:
    """Expire unpaid orders past their payment window and give their stock back."""
    total = 0
    while expired := services.orders_expire(batch_size=settings.JOB_BATCH_SIZE):
        total += expired
    return total


@maintenance_job("orders.outbox_relay", schedule=crontab(minute="*"))
def outbox_relay_task(run: JobRun) -> int:
    """Deliver due outbox events to their handlers and webhooks, with retries."""
    total = 0
    # Bounded: an event that fails gets a later attempt time, so it leaves the due set.
    for _batch in range(100):
        tried = outbox_relay(batch_size=min(settings.JOB_BATCH_SIZE, 100))
        if not tried:
            break
        total += tried
    return total


@maintenance_job("orders.idempotency_purge", schedule=crontab(minute=20))
def idempotency_purge_task(run: JobRun) -> int:
    """Delete checkout idempotency keys past their retention."""
    total = 0
    while purged := services.idempotency_keys_purge(batch_size=settings.JOB_BATCH_SIZE):
        total += purged
    return total


@maintenance_job("orders.sales_rollup", schedule=crontab(minute="*/15"), exclusive=True)
def sales_rollup_task(run: JobRun) -> int:
    """Refresh today's and yesterday's sales figures for the dashboard."""
    return services.sales_rollup(days=2)

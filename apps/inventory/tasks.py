"""Inventory maintenance jobs."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from apps.auditing.jobs import maintenance_job
from apps.auditing.models import JobRun

from . import selectors, services


@maintenance_job("inventory.reservations_expire", schedule=crontab(minute="*"))
def reservations_expire_task(run: JobRun) -> int:
    """Release expired reservations in batches (SKIP LOCKED: safe on two workers)."""
    total = 0
    while expired := services.reservations_expire(batch_size=settings.JOB_BATCH_SIZE):
        total += expired
    return total


@maintenance_job("inventory.ledger_check", schedule=crontab(minute=35), exclusive=True)
def ledger_check_task(run: JobRun) -> int:
    """Prove the ledger sums to on_hand and active reservations to reserved, for every stock row."""
    ledger = selectors.ledger_mismatches()
    reserved = selectors.reserved_mismatches()
    run.detail = {"ledger_mismatches": ledger, "reserved_mismatches": reserved}
    if ledger or reserved:
        raise AssertionError(
            f"inventory check failed: {len(ledger)} ledger and {len(reserved)} reserved mismatches"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inventory_stock")
        return cursor.fetchone()[0]


@maintenance_job("inventory.low_stock_recheck", schedule=crontab(minute=50))
def low_stock_recheck_task(run: JobRun) -> int:
    """Raise missing low-stock alerts and clear stale ones (the triggers do it live)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_lowstockalert (stock_id, raised_at, available_at_raise, reorder_point)
            SELECT s.id, now(), s.on_hand - s.reserved, s.reorder_point FROM inventory_stock s
            WHERE s.on_hand - s.reserved < s.reorder_point
            ON CONFLICT (stock_id) WHERE cleared_at IS NULL DO NOTHING
            """
        )
        raised = cursor.rowcount
        cursor.execute(
            """
            UPDATE inventory_lowstockalert a SET cleared_at = now() FROM inventory_stock s
            WHERE a.stock_id = s.id AND a.cleared_at IS NULL AND s.on_hand - s.reserved >= s.reorder_point
            """
        )
        cleared = cursor.rowcount
    run.detail = {"raised": raised, "cleared": cleared}
    return raised + cleared

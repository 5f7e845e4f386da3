"""The kernel's maintenance jobs."""

from __future__ import annotations

import datetime as dt
import logging

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from . import archive, selectors, services
from .jobs import maintenance_job
from .models import JobRun

log = logging.getLogger(__name__)


@maintenance_job(
    "auditing.partitions_create", schedule=crontab(minute=7), exclusive=True
)
def partitions_create_task(run: JobRun) -> int:
    """Create audit partitions for this month and the months ahead."""
    created = services.partitions_ensure()
    run.detail = {"created": created}
    return len(created)


@maintenance_job(
    "auditing.partitions_archive", schedule=crontab(minute=23, hour=3), exclusive=True
)
def partitions_archive_task(run: JobRun) -> int:
    """Archive audit partitions older than AUDIT_RETENTION_MONTHS, then drop them."""
    cutoff = services.archive_cutoff()
    archived, rows = [], 0
    for table, month, _attached in services.partitions_list():
        if month >= cutoff:
            continue
        manifest = archive.partition_archive(table, month)
        archived.append(
            {"table": table, "rows": manifest.rows, "sha256": manifest.sha256}
        )
        rows += manifest.rows
    run.detail = {"cutoff": f"{cutoff:%Y-%m}", "archived": archived}
    return rows


@maintenance_job("auditing.inbox_drain", schedule=dt.timedelta(seconds=30))
def inbox_drain_task(run: JobRun) -> int:
    """Move captured row changes from the inbox into the partitioned audit trail."""
    batch_size = settings.JOB_BATCH_SIZE * 10
    total = batches = 0
    while True:
        moved = services.audit_inbox_drain(batch_size=batch_size)
        total, batches = total + moved, batches + 1
        # A short batch: the inbox is empty or the rest is another worker's.
        if moved < batch_size:
            break
    run.detail = {"batches": batches, "batch_size": batch_size}
    return total


@maintenance_job("auditing.soft_deleted_purge", schedule=crontab(minute=41, hour=4))
def soft_deleted_purge_task(run: JobRun) -> int:
    """Purge rows soft-deleted longer ago than SOFT_DELETE_RETENTION_DAYS (in batches)."""
    older_than = timezone.now() - dt.timedelta(days=settings.SOFT_DELETE_RETENTION_DAYS)
    total, detail = 0, {}
    for model in services.soft_deleted_models():
        purged = kept = 0
        after = None
        while True:
            batch_purged, batch_kept, after = services.soft_deleted_purge(
                model=model,
                older_than=older_than,
                batch_size=settings.JOB_BATCH_SIZE,
                after=after,
            )
            purged, kept = purged + batch_purged, kept + batch_kept
            if after is None:
                break
        if purged or kept:
            detail[model._meta.label] = {"purged": purged, "kept_referenced": kept}
        total += purged
    run.detail = detail
    return total


@maintenance_job("auditing.jobs_watchdog", schedule=crontab(minute="*"))
def jobs_watchdog_task(run: JobRun) -> int:
    """Fail runs whose worker vanished; prune old runs; warn when the audit drain lags."""
    now = timezone.now()
    stale = JobRun.objects.filter(
        outcome=JobRun.Outcome.RUNNING,
        started_at__lt=now - dt.timedelta(minutes=settings.JOB_STALE_MINUTES),
    ).update(
        outcome=JobRun.Outcome.FAILED,
        finished_at=now,
        error="worker lost: no result recorded",
    )
    pruned, _ = JobRun.objects.filter(
        started_at__lt=now - dt.timedelta(days=settings.JOB_RUN_RETENTION_DAYS)
    ).delete()
    backlog = selectors.audit_backlog()
    run.detail = {"stale": stale, "pruned": pruned, "audit_backlog": backlog.as_dict()}
    warnings = []
    if backlog.lagging:
        warnings.append(
            f"audit drain behind: {backlog.events} row changes wait in the inbox,"
            f" the oldest for {backlog.lag_seconds:.0f} s"
        )
    if backlog.quarantined:
        warnings.append(
            f"{backlog.quarantined} audit capture(s) the drain could not move are in"
            " auditing_auditevent_quarantine (docs/auditing.md)"
        )
    for warning in warnings:
        log.warning(warning)
    if warnings:
        run.detail["warnings"] = warnings
    return stale + pruned

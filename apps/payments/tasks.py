"""Payments' background work: gateway calls after commit, and the maintenance jobs."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from django.conf import settings

from apps.auditing.jobs import maintenance_job
from apps.auditing.models import JobRun
from apps.auditing.tasks_base import AuditedTask

from . import services
from .models import PaymentAttempt


@shared_task(name="payments.attempt_execute", base=AuditedTask)
def attempt_execute_task(*, attempt_id: int) -> str:
    """Make a recorded gateway call and record its outcome (idempotent by the attempt)."""
    attempt = PaymentAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return "missing"
    return services.attempt_execute(attempt=attempt).attempt.status


@maintenance_job("payments.reconcile", schedule=crontab(minute="*/5"))
def payments_reconcile_task(run: JobRun) -> int:
    """Settle gateway calls left without an answer by asking the gateway."""
    total = 0
    for _batch in range(
        100
    ):  # bounded: an attempt the gateway cannot answer stays open
        settled = services.payments_reconcile(batch_size=settings.JOB_BATCH_SIZE)
        total += settled
        if settled < settings.JOB_BATCH_SIZE:
            break
    return total


@maintenance_job("payments.authorizations_release", schedule=crontab(minute=15))
def authorizations_release_task(run: JobRun) -> int:
    """Void authorizations of expired or cancelled orders; mark lapsed ones expired."""
    return services.authorizations_release(batch_size=settings.JOB_BATCH_SIZE)


@maintenance_job("payments.notifications_retry", schedule=crontab(minute="*"))
def notifications_retry_task(run: JobRun) -> int:
    """Apply gateway notifications stored but never processed (their worker stopped)."""
    total = 0
    for _batch in range(100):  # bounded: one that keeps failing stays for the next run
        processed = services.notifications_retry(batch_size=settings.JOB_BATCH_SIZE)
        total += processed
        if processed < settings.JOB_BATCH_SIZE:
            break
    return total

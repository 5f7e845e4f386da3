"""Maintenance jobs: declared once in code, run by Celery, each run recorded as a JobRun.

    @maintenance_job("auditing.partitions_create", schedule=crontab(minute=7), exclusive=True)
    def partitions_create_task(run: JobRun) -> int:
        ...
        return rows_touched

A job function takes the JobRun and returns the number of rows it touched. Jobs that work
in batches with `FOR UPDATE SKIP LOCKED` may run on several workers at once; `exclusive`
jobs (DDL, archival) take a PostgreSQL advisory lock and record `skipped` when another
run holds it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from .models import JobRun
from .tasks_base import AuditedTask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[JobRun], int]
    schedule: Any  # celery crontab / timedelta / None (manual only)
    description: str
    exclusive: bool


JOBS: dict[str, JobSpec] = {}


def maintenance_job(name: str, *, schedule=None, exclusive: bool = False):
    """Register a job function and expose it as a Celery task called `name`."""

    def decorate(func: Callable[[JobRun], int]):
        doc = (func.__doc__ or name).strip().splitlines()[0]
        JOBS[name] = JobSpec(name, func, schedule, doc, exclusive)

        @shared_task(name=name, base=AuditedTask, bind=True)
        def task(self, trigger: str = "schedule", **kwargs):
            run = job_execute(name, trigger=trigger, task_id=self.request.id or "")
            return {"job": name, "outcome": run.outcome, "rows": run.rows}

        task.__doc__ = func.__doc__
        task.job_name = name
        return task

    return decorate


def _lock_key(name: str) -> str:
    return f"job:{name}"


def job_execute(name: str, *, trigger: str = "manual", task_id: str = "") -> JobRun:
    """Run one job now in this process, recording the run."""
    spec = JOBS[name]
    run = JobRun.objects.create(
        job=name, trigger=trigger, task_id=task_id, started_at=timezone.now()
    )
    locked = False
    try:
        if spec.exclusive:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_lock(hashtext(%s))", [_lock_key(name)]
                )
                locked = cursor.fetchone()[0]
            if not locked:
                return _finish(
                    run, JobRun.Outcome.SKIPPED, error="another run holds the lock"
                )
        rows = spec.func(run)
        return _finish(run, JobRun.Outcome.SUCCESS, rows=rows or 0)
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, then re-raised
        log.exception("job %s failed", name)
        _finish(
            run,
            JobRun.Outcome.FAILED,
            error="".join(traceback.format_exception(exc))[-4000:],
        )
        raise
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(hashtext(%s))", [_lock_key(name)]
                )


def _finish(
    run: JobRun, outcome: str, *, rows: int | None = None, error: str = ""
) -> JobRun:
    run.outcome = outcome
    run.finished_at = timezone.now()
    run.error = error
    if rows is not None:
        run.rows = rows
    run.save(update_fields=["outcome", "finished_at", "error", "rows", "detail"])
    return run


def job_enqueue(name: str, *, trigger: str = "manual") -> str:
    """Queue a job for a worker after the current transaction commits; returns the task id."""
    from celery import current_app

    if name not in JOBS:
        raise KeyError(name)
    result_id: list[str] = []

    def send():
        result = current_app.send_task(name, kwargs={"trigger": trigger})
        result_id.append(result.id)

    transaction.on_commit(send)
    return result_id[0] if result_id else ""


def load_all_jobs() -> dict[str, JobSpec]:
    """Import every app's tasks module so that every job is declared."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    return JOBS

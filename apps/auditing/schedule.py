"""Sync the maintenance schedule declared in code into django-celery-beat's tables.

Runs after `migrate`. A job missing from the scheduler is created. An existing entry is
updated only when the code's declaration changed AND staff have not changed the entry since
the last sync; staff edits (schedule, enabled) are never overwritten.
"""

from __future__ import annotations

import datetime as dt

from celery.schedules import crontab


def _signature(schedule) -> str:
    if isinstance(schedule, crontab):
        return f"crontab:{schedule._orig_minute} {schedule._orig_hour} {schedule._orig_day_of_month} {schedule._orig_month_of_year} {schedule._orig_day_of_week}"
    if isinstance(schedule, dt.timedelta):
        return f"interval:{int(schedule.total_seconds())}"
    raise TypeError(f"unsupported schedule {schedule!r}")


def _current_signature(task) -> str | None:
    if task.crontab_id:
        c = task.crontab
        return f"crontab:{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
    if task.interval_id:
        seconds = {
            "days": 86400,
            "hours": 3600,
            "minutes": 60,
            "seconds": 1,
            "microseconds": 0,
        }
        return f"interval:{task.interval.every * seconds[task.interval.period]}"
    return None


def _apply(task, schedule) -> None:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    task.crontab = task.interval = None
    if isinstance(schedule, crontab):
        task.crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(schedule._orig_minute),
            hour=str(schedule._orig_hour),
            day_of_month=str(schedule._orig_day_of_month),
            month_of_year=str(schedule._orig_month_of_year),
            day_of_week=str(schedule._orig_day_of_week),
            timezone="UTC",
        )
    else:
        task.interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )


def schedule_sync() -> dict[str, str]:
    """Bring the scheduler in line with the declared jobs; returns what happened per job."""
    from django.db import transaction
    from django_celery_beat.models import PeriodicTask

    from .jobs import load_all_jobs
    from .models import ScheduleDeclaration

    outcome = {}
    with transaction.atomic():
        for name, spec in sorted(load_all_jobs().items()):
            if spec.schedule is None:
                continue
            declared = _signature(spec.schedule)
            task = PeriodicTask.objects.filter(name=name).first()
            last = ScheduleDeclaration.objects.filter(name=name).first()
            if task is None:
                task = PeriodicTask(name=name, task=name, description=spec.description)
                _apply(task, spec.schedule)
                task.save()
                outcome[name] = "created"
            elif (
                last
                and last.signature != declared
                and _current_signature(task) == last.signature
            ):
                _apply(task, spec.schedule)
                task.save()
                outcome[name] = "updated"
            else:
                outcome[name] = "kept"
            ScheduleDeclaration.objects.update_or_create(
                name=name, defaults={"signature": declared}
            )
    return outcome


def sync_on_migrate(sender, using="default", plan=None, **kwargs):
    from django.db import connections

    # Only on a full migration: the beat tables must exist.
    tables = connections[using].introspection.table_names()
    if (
        "django_celery_beat_periodictask" in tables
        and "auditing_scheduledeclaration" in tables
    ):
        schedule_sync()

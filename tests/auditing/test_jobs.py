"""Maintenance jobs record every run, are exclusive where needed, and are scheduled from code."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from apps.auditing.jobs import JOBS, job_execute, load_all_jobs
from apps.auditing.models import JobRun, ScheduleDeclaration
from apps.auditing.schedule import schedule_sync
from tests.conftest import wait_for
from tests.testapp.models import Part, Widget


@pytest.mark.django_db
def test_every_declared_job_is_in_the_scheduler():
    jobs = load_all_jobs()
    assert {
        "auditing.partitions_create",
        "auditing.partitions_archive",
        "auditing.soft_deleted_purge",
        "auditing.jobs_watchdog",
    } <= set(jobs)
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {n for n, spec in jobs.items() if spec.schedule is not None} <= names


@pytest.mark.django_db
def test_sync_keeps_what_staff_changed():
    task = PeriodicTask.objects.get(name="auditing.partitions_create")
    staff_schedule, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="2")
    task.crontab = staff_schedule
    task.enabled = False
    task.save()
    assert schedule_sync()["auditing.partitions_create"] == "kept"
    task.refresh_from_db()
    assert (task.crontab_id, task.enabled) == (staff_schedule.pk, False)


@pytest.mark.django_db
def test_sync_applies_a_changed_declaration_when_staff_did_not_touch_it():
    ScheduleDeclaration.objects.filter(name="auditing.jobs_watchdog").update(
        signature="crontab:*/5 * * * *"
    )
    task = PeriodicTask.objects.get(name="auditing.jobs_watchdog")
    task.crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/5", hour="*", timezone="UTC"
    )
    task.save()
    assert schedule_sync()["auditing.jobs_watchdog"] == "updated"
    task.refresh_from_db()
    assert task.crontab.minute == "*"


@pytest.mark.django_db
def test_sync_recreates_a_missing_entry():
    PeriodicTask.objects.filter(name="auditing.soft_deleted_purge").delete()
    assert schedule_sync()["auditing.soft_deleted_purge"] == "created"
    assert (
        PeriodicTask.objects.get(name="auditing.soft_deleted_purge").task
        == "auditing.soft_deleted_purge"
    )


@pytest.mark.django_db(transaction=True)
def test_exclusive_job_is_skipped_while_another_run_holds_the_lock():
    held, release = threading.Event(), threading.Event()

    def hold():
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(hashtext('job:auditing.partitions_create'))"
            )
            held.set()
            release.wait(10)
            cursor.execute(
                "SELECT pg_advisory_unlock(hashtext('job:auditing.partitions_create'))"
            )
        connections["default"].close()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        run = job_execute("auditing.partitions_create")
    finally:
        release.set()
        thread.join()
    assert run.outcome == "skipped"
    assert job_execute("auditing.partitions_create").outcome == "success"


@pytest.mark.django_db(transaction=True)
def test_failed_job_is_recorded_with_its_error(monkeypatch):
    from dataclasses import replace

    def boom(run):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        JOBS,
        "auditing.jobs_watchdog",
        replace(JOBS["auditing.jobs_watchdog"], func=boom),
    )
    with pytest.raises(RuntimeError):
        job_execute("auditing.jobs_watchdog")
    run = JobRun.objects.get(job="auditing.jobs_watchdog")
    assert run.outcome == "failed" and "disk full" in run.error and run.finished_at


@pytest.mark.django_db(transaction=True)
def test_watchdog_fails_stale_runs_and_prunes_old_ones(settings):
    now = timezone.now()
    stale = JobRun.objects.create(job="x", started_at=now - dt.timedelta(hours=3))
    old = JobRun.objects.create(
        job="x", started_at=now - dt.timedelta(days=90), outcome="success"
    )
    run = job_execute("auditing.jobs_watchdog")
    stale.refresh_from_db()
    assert stale.outcome == "failed" and "worker lost" in stale.error
    assert not JobRun.objects.filter(pk=old.pk).exists()
    assert run.rows == 2


@pytest.mark.django_db(transaction=True)
def test_purge_job_hard_deletes_old_soft_deleted_rows_in_batches(settings):
    settings.JOB_BATCH_SIZE = 3
    settings.SOFT_DELETE_RETENTION_DAYS = 30
    long_ago = timezone.now() - dt.timedelta(days=31)
    old = [Widget.objects.create(name=f"old-{i}") for i in range(7)]
    referenced = Widget.objects.create(name="referenced")
    Part.objects.create(widget=referenced, label="still here")
    recent = Widget.objects.create(name="recent")
    recent.soft_delete()
    Widget.all_objects.filter(pk__in=[w.pk for w in old] + [referenced.pk]).update(
        deleted_at=long_ago
    )
    run = job_execute("auditing.soft_deleted_purge")
    assert run.outcome == "success"
    assert run.rows == 7
    assert run.detail["testapp.Widget"] == {"purged": 7, "kept_referenced": 1}
    assert set(Widget.all_objects.values_list("name", flat=True)) == {
        "referenced",
        "recent",
    }
    # Running it again touches nothing.
    assert job_execute("auditing.soft_deleted_purge").rows == 0


@pytest.mark.django_db(transaction=True)
def test_job_runs_on_a_real_worker_and_records_the_run(celery_worker):
    from celery import current_app

    current_app.send_task(
        "auditing.jobs_watchdog", kwargs={"trigger": "manual"}, queue=celery_worker
    )
    run = wait_for(
        lambda: JobRun.objects.filter(
            job="auditing.jobs_watchdog", outcome="success"
        ).first()
    )
    assert run.trigger == "manual" and run.task_id


@pytest.mark.django_db(transaction=True)
def test_two_purge_runs_at_once_purge_each_row_once(settings):
    settings.JOB_BATCH_SIZE = 5
    long_ago = timezone.now() - dt.timedelta(
        days=settings.SOFT_DELETE_RETENTION_DAYS + 1
    )
    Widget.objects.bulk_create(
        [Widget(name=f"race-{i}", deleted_at=long_ago) for i in range(40)]
    )
    results = []

    def run():
        results.append(job_execute("auditing.soft_deleted_purge").rows)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 40
    assert not Widget.all_objects.filter(name__startswith="race-").exists()

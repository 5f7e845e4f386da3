"""Shared fixtures: audit trail readers, a staff user, a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.auditing.models import AuditEventWithPending

ROOT = Path(__file__).resolve().parent.parent


def _flush_with_triggers_off():
    """Let the suite reset its database between transactional tests.

    Django resets it with TRUNCATE, which every table whose rows are kept refuses (as it must
    in the shop). The reset is a test-only maintenance step, run as the database superuser
    with ordinary triggers off for its transaction (session_replication_role = replica).
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self,
            style,
            tables,
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )
        if not statements:
            return statements
        return ["SET LOCAL session_replication_role = replica", *statements]

    DatabaseOperations.sql_flush = sql_flush


_flush_with_triggers_off()


def _max_event_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM auditing_auditevent_all")
        return cursor.fetchone()[0]


class AuditTrail:
    """Reads the audit events written after the fixture was created."""

    def __init__(self):
        self.marker = _max_event_id()

    def events(self, **filters) -> list[AuditEventWithPending]:
        return list(
            AuditEventWithPending.objects.filter(
                id__gt=self.marker, **filters
            ).order_by("id")
        )

    def actions(self, **filters) -> list[str]:
        return [e.action for e in self.events(**filters)]


@pytest.fixture
def audit_trail(db) -> AuditTrail:
    return AuditTrail()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        email="staff@example.com",
        password="correct horse battery",
        full_name="Sam Staff",
    )


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user(
        email="customer@example.com",
        password="correct horse battery",
        full_name="Cory Customer",
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process consuming a queue of its own, on the test database."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    name = f"{queue}@localhost"
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = open(ROOT / ".local" / f"celery-{queue}.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"celery worker exited with {proc.returncode}; see {log.name}"
            )
        if app.control.ping(destination=[name], timeout=0.5):
            break
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not answer within 60 s; see {log.name}")
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def celery_worker(celery_worker_process):
    """The real worker's queue; tasks sent in the test go to it instead of running inline."""
    from config.celery import app

    app.conf.task_always_eager = False
    try:
        yield celery_worker_process
    finally:
        app.conf.task_always_eager = True


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll until predicate() is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def admin_client_staff(client, staff):
    """A signed-in superuser (all permissions) for admin pages."""
    client.force_login(staff)
    return client

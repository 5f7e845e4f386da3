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


def _use_role(user: str, password: str | None) -> None:
    from apps.auditing.roles import reconnect

    reconnect(connection, user, password or "")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner role, as in production."""
    _use_role(settings.DATABASE_OWNER["USER"], settings.DATABASE_OWNER["PASSWORD"])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Then the suite runs as the application's role (DATABASE_URL); the owner drops it."""
    app = settings.DATABASE_APP
    with django_db_blocker.unblock():
        _use_role(app["USER"], app.get("PASSWORD"))
    yield
    with django_db_blocker.unblock():
        _use_role(settings.DATABASE_OWNER["USER"], settings.DATABASE_OWNER["PASSWORD"])


def connect_as(role: str, *, dbname: str | None = None, **kwargs):
    """A psycopg connection of its own to the test database, as 'owner', 'application' or
    'admin' (the cluster's superuser, DATABASE_ADMIN_URL). It sees committed rows only."""
    import environ
    import psycopg

    if role == "admin":
        creds = environ.Env.db_url_config(settings.DATABASE_ADMIN_URL)
    else:
        creds = {
            "owner": settings.DATABASE_OWNER,
            "application": settings.DATABASE_APP,
        }[role]
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"],
        port=s["PORT"],
        dbname=dbname or s["NAME"],
        user=creds["USER"],
        password=creds["PASSWORD"] or None,
        **kwargs,
    )


def owner_sql(statement: str, params=()):
    """Run one statement as the owner, on a connection of its own (autocommit): it sees
    committed rows only; what it changes outside transactions (a sequence) the test sees."""
    with connect_as("owner", autocommit=True) as owner:
        cursor = owner.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def superuser_sql(statement: str, params=()) -> None:
    """Change committed rows behind every rule's back (session_replication_role = replica),
    as the cluster's superuser: how a test sets up a corruption the shop must detect."""
    with connect_as("admin") as admin:
        admin.execute("SET LOCAL session_replication_role = replica")
        admin.execute(statement, params)


def _flush_as_superuser():
    """Let the suite reset its database between transactional tests.

    Django resets it with TRUNCATE, which the application's role may not run and every table
    whose rows are kept refuses (as it must in the shop). The reset is a test-only
    maintenance step, run as the cluster's superuser (DATABASE_ADMIN_URL) with ordinary
    triggers off for its transaction (session_replication_role = replica).
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    def execute_sql_flush(self, sql_list):
        if not sql_list:
            return
        with connect_as("admin", dbname=self.connection.settings_dict["NAME"]) as admin:
            admin.execute("SET LOCAL session_replication_role = replica")
            for statement in sql_list:
                admin.execute(statement)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


_flush_as_superuser()


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


@pytest.fixture(autouse=True)
def throttle_counters_cleared():
    """Sign-in failure counters, known clients and request limits live in Redis (under
    `throttle:`): every test starts with none, whatever earlier tests posted."""
    from django.core.cache import cache

    cache.delete_pattern("throttle:*")


@pytest.fixture
def audit_trail(db) -> AuditTrail:
    return AuditTrail()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    """`client.force_login(user)` stands for a finished sign-in; for staff that includes the
    second factor (tests/accounts/test_second_factor.py signs in the real way, and tests
    marked `second_factor_pending` get the bare password session)."""
    if request.node.get_closest_marker("second_factor_pending"):
        return
    from django.test import Client

    from tests.second_factor import session_verify

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            session_verify(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


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

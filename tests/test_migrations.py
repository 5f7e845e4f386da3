"""Migrations: complete, ordered after the audit function, and reversible app by app."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from apps.auditing.triggers import AuditTrigger

ROOT = Path(__file__).resolve().parent.parent
LOCAL_APPS = ["auditing", "accounts", "catalog", "inventory", "orders", "payments"]


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_every_migration_adding_an_audit_trigger_runs_after_the_audit_function():
    loader = MigrationLoader(connection)
    root = ("auditing", "0001_initial")
    offenders = []
    for key, migration in loader.graph.nodes.items():
        adds_audit = any(
            isinstance(getattr(op, "trigger", None), AuditTrigger)
            for op in migration.operations
        )
        if adds_audit and key != root and root not in loader.graph.forwards_plan(key):
            offenders.append(key)
    assert offenders == []


def test_all_six_apps_are_installed():
    assert {f"apps.{label}" for label in LOCAL_APPS} <= {
        c.name for c in apps.get_app_configs()
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_migrate_every_app_to_zero_and_back_on_a_scratch_database(settings):
    # The migrations run as the owner, the application connects as its own role: as in
    # production.
    db = connection.settings_dict
    owner, app = settings.DATABASE_OWNER, settings.DATABASE_APP
    scratch = f"shop_migrate_{uuid.uuid4().hex[:8]}"
    dsn = dict(
        host=db["HOST"],
        port=db["PORT"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')

    def url(role):
        auth = role["USER"] + (f":{role['PASSWORD']}" if role["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{scratch}"

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url(app),
        "DATABASE_OWNER_URL": url(owner),
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args, "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}"
        )

    try:
        manage("migrate")
        for app in reversed(LOCAL_APPS + ["testapp"]):
            manage("migrate", app, "zero")
            manage("migrate")
        # And the whole kernel at once: everything that depends on it goes too, then returns.
        manage("migrate", "auditing", "zero")
        with psycopg.connect(dbname=scratch, **dsn) as conn:
            assert (
                conn.execute("SELECT to_regclass('auditing_auditevent')").fetchone()[0]
                is None
            )
            # The squashed kernel leaves nothing of its own behind: no table, view,
            # function or domain.
            leftovers = conn.execute(
                "SELECT relname FROM pg_class WHERE relname LIKE 'auditing%'"
                " UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'auditing%'"
                " UNION ALL SELECT typname FROM pg_type WHERE typname LIKE 'auditing%'"
            ).fetchall()
            assert leftovers == []
        manage("migrate")
        with psycopg.connect(dbname=scratch, **dsn) as conn:
            assert (
                conn.execute("SELECT to_regclass('auditing_auditevent')").fetchone()[0]
                == "auditing_auditevent"
            )
            triggers = conn.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'accounts_user'::regclass AND NOT tgisinternal"
            ).fetchone()[0]
            assert triggers == len(get_user_model()._meta.triggers)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.mark.django_db
def test_pgtrigger_ls_shows_every_trigger_installed_enabled_and_none_outdated(capsys):
    import re

    import pgtrigger

    capsys.readouterr()
    call_command("pgtrigger", "ls")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    rows = [line.split() for line in plain.splitlines() if line.strip()]
    declared = sum(1 for _ in pgtrigger.registered())
    assert len(rows) == declared > 200
    states = {(row[0], row[1]) for row in rows}
    assert states == {("INSTALLED", "ENABLED")}, [
        row for row in rows if (row[0], row[1]) != ("INSTALLED", "ENABLED")
    ]

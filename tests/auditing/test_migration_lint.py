"""Migrations that would lock a busy table fail the linter; a blocked migration fails fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    ValidateConstraint,
)
from django.db import connection, migrations, models
from django.db.migrations.recorder import MigrationRecorder

from apps.auditing.migration_lint import lint, lint_migration, stale_allowances
from apps.auditing.migration_ops import SetTimeouts

ROOT = Path(__file__).resolve().parents[2]


def _rules(*operations, atomic=True) -> list[str]:
    migration = type(
        "Migration",
        (migrations.Migration,),
        {"operations": list(operations), "atomic": atomic},
    )("0099_example", "orders")
    return sorted(p.rule for p in lint_migration("orders", migration))


INDEX = models.Index(fields=["placed_at"], name="orders_order_example")


@pytest.mark.django_db
def test_every_migration_of_the_shop_passes_and_every_allowance_is_used():
    assert [str(p) for p in lint()] == []
    assert stale_allowances() == []


def test_a_migration_without_timeouts_fails():
    assert _rules(migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)) == ["timeouts"]
    assert _rules(SetTimeouts(), migrations.RunSQL("SELECT 1")) == []


@pytest.mark.parametrize(
    ("operations", "atomic", "rules"),
    [
        ([migrations.AddIndex("order", INDEX)], True, ["index-not-concurrent"]),
        ([AddIndexConcurrently("order", INDEX)], False, []),
        ([AddIndexConcurrently("order", INDEX)], True, ["index-not-concurrent"]),
        (
            [migrations.RunSQL("CREATE INDEX orders_x ON orders_order (email)")],
            True,
            ["index-not-concurrent"],
        ),
        (
            [
                migrations.RunSQL(
                    "CREATE INDEX CONCURRENTLY orders_x ON orders_order (email)"
                )
            ],
            False,
            [],
        ),
        (
            [
                migrations.AddField(
                    "order", "channel", models.CharField(max_length=9, db_index=True)
                )
            ],
            True,
            ["index-not-concurrent"],
        ),
        (
            [
                migrations.AddConstraint(
                    "order",
                    models.CheckConstraint(
                        condition=models.Q(total__gte=0), name="orders_order_x"
                    ),
                )
            ],
            True,
            ["constraint-not-valid"],
        ),
        (
            [
                migrations.RunSQL(
                    "ALTER TABLE orders_order ADD CONSTRAINT orders_order_x"
                    " CHECK (total >= 0) NOT VALID"
                ),
                migrations.RunSQL(
                    "ALTER TABLE orders_order VALIDATE CONSTRAINT orders_order_x"
                ),
            ],
            True,
            [],
        ),
        (
            [
                AddConstraintNotValid(
                    "order",
                    models.CheckConstraint(
                        condition=models.Q(total__gte=0), name="orders_order_x"
                    ),
                ),
                ValidateConstraint("order", "orders_order_x"),
            ],
            True,
            [],
        ),
        (
            [
                migrations.RunSQL(
                    "ALTER TABLE orders_order ADD CONSTRAINT orders_order_x CHECK (total >= 0)"
                )
            ],
            True,
            ["constraint-not-valid"],
        ),
        (
            [migrations.AlterField("order", "email", models.TextField())],
            True,
            ["column-rewrite"],
        ),
        (
            [
                migrations.CreateModel(
                    "Label", [("id", models.BigAutoField(primary_key=True))]
                ),
                migrations.AddIndex(
                    "label", models.Index(fields=["id"], name="orders_label_x")
                ),
            ],
            True,
            [],
        ),
    ],
    ids=[
        "add-index",
        "concurrent-index",
        "concurrent-index-in-atomic",
        "sql-index",
        "sql-concurrent-index",
        "indexed-field",
        "add-constraint",
        "sql-not-valid-then-validate",
        "not-valid-then-validate",
        "sql-constraint-at-once",
        "alter-field",
        "new-table",
    ],
)
def test_the_linter_flags_what_locks_an_existing_table(operations, atomic, rules):
    assert _rules(SetTimeouts(), *operations, atomic=atomic) == rules


@pytest.mark.django_db
def test_set_timeouts_applies_the_settings_to_the_migrations_transaction():
    with connection.schema_editor(atomic=True) as editor:
        SetTimeouts().database_forwards("orders", editor, None, None)
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            lock = cursor.fetchone()[0]
            cursor.execute("SHOW statement_timeout")
            statement = cursor.fetchone()[0]
    assert (lock, statement) == ("5s", "15min")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_migration_blocked_by_a_lock_fails_fast_and_changes_nothing():
    # given: a transaction reading payments' table (as a busy site does), holding its lock
    db = connection.settings_dict
    owner, app = settings.DATABASE_OWNER, settings.DATABASE_APP

    def url(role):
        auth = role["USER"] + (f":{role['PASSWORD']}" if role["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url(app),
        "DATABASE_OWNER_URL": url(owner),
        "MIGRATION_LOCK_TIMEOUT": "1s",
    }
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("LOCK TABLE payments_payment IN ACCESS SHARE MODE")
        started = time.monotonic()
        # when: a migration that must alter the table runs (reversing payments.0003)
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "payments", "0002", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        waited = time.monotonic() - started
        cursor.execute("ROLLBACK")
    try:
        # then: it gave up on the lock instead of queueing, and nothing changed
        assert result.returncode != 0
        assert "lock timeout" in result.stderr
        assert waited < 60
        assert MigrationRecorder.Migration.objects.filter(
            app="payments", name="0003_payment_note"
        ).exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = 'payments_payment' AND column_name = 'note'"
            )
            assert cursor.fetchone()[0] == 1
    finally:
        if result.returncode == 0:  # put the schema back for the tests that follow
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "payments", "--noinput"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                timeout=120,
            )

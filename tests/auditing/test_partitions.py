"""Audit partitions are created ahead; old ones are archived, verified, restorable."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.auditing import services
from apps.auditing.jobs import job_execute
from apps.auditing.roles import as_owner

OLD_MONTH = dt.date(2019, 3, 1)
OLD_TABLE = "auditing_auditevent_y2019m03"


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        return cursor.fetchone()[0] is not None


def _rows(table: str, where: str = "") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, occurred_at, txid, table_name, row_pk, action, changes::text, actor_id, actor_kind, source, request_id, ip::text, db_role, context::text FROM {table} {where} ORDER BY id"
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_migration_created_this_month_and_three_ahead():
    today = timezone.now().date().replace(day=1)
    attached = {
        month for _name, month, is_attached in services.partitions_list() if is_attached
    }
    expected = {services._add_months(today, n) for n in range(4)}
    assert expected <= attached


@pytest.mark.django_db
def test_partitions_ensure_creates_missing_months_once():
    future = dt.date(2031, 5, 17)
    created = services.partitions_ensure(ahead=2, today=future)
    assert created == [
        "auditing_auditevent_y2031m05",
        "auditing_auditevent_y2031m06",
        "auditing_auditevent_y2031m07",
    ]
    assert services.partitions_ensure(ahead=2, today=future) == []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class"
            " WHERE relname = 'auditing_auditevent_y2031m06'"
        )
        assert cursor.fetchone()[0] == (
            "FOR VALUES FROM ('2031-06-01 00:00:00+00') TO ('2031-07-01 00:00:00+00')"
        )


@pytest.mark.django_db(transaction=True)
def test_event_outside_every_partition_lands_in_default_partition():
    # Events are the database's to date: only the owner can write one of another time.
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditing_auditevent (occurred_at, action) VALUES ('1990-01-01T00:00:00Z', 'probe')"
            " RETURNING tableoid::regclass::text"
        )
        assert cursor.fetchone()[0] == "auditing_auditevent_default"


@pytest.mark.django_db(transaction=True)
def test_partitions_create_job_records_a_run():
    run = job_execute("auditing.partitions_create")
    assert run.outcome == "success" and run.finished_at is not None
    assert run.rows == len(run.detail["created"])


@pytest.fixture
def old_partition(settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path
    # Old events are written by the owner: the application's role cannot date an event.
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT auditing_partition_ensure(%s)", [OLD_MONTH])
        cursor.execute(
            """
            INSERT INTO auditing_auditevent (occurred_at, table_name, row_pk, action, changes, actor_id,
                                             actor_kind, source, request_id, ip, context)
            SELECT '2019-03-01T00:00:00Z'::timestamptz + g * interval '1 minute', 'testapp_widget', g::text,
                   (ARRAY['insert', 'update', 'soft_delete'])[1 + g % 3],
                   jsonb_build_object('name', 'w' || g, 'note', E'tab\\there\\nnewline ''quote'' %'),
                   CASE WHEN g % 2 = 0 THEN g END, 'staff', 'admin', md5(g::text), '10.0.0.1', NULL
            FROM generate_series(1, 500) g
            """
        )
    yield tmp_path
    with as_owner(), connection.cursor() as cursor:
        for table in (OLD_TABLE, "audit_restore_y2019m03"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


@pytest.mark.django_db(transaction=True)
def test_archive_round_trip_gives_back_the_same_rows(old_partition):
    before = _rows(OLD_TABLE)
    assert len(before) == 500
    run = job_execute("auditing.partitions_archive")
    assert run.outcome == "success", run.error
    assert run.rows == 500
    assert not _exists(OLD_TABLE)  # detached and dropped
    manifest = json.loads((old_partition / f"{OLD_TABLE}.manifest.json").read_text())
    assert manifest["rows"] == 500 and manifest["month"] == "2019-03"
    assert manifest["first_occurred_at"].startswith("2019-03-01T00:01")
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"OK   {OLD_TABLE}.tsv.gz: 500 rows" in out.getvalue()
    call_command("audit_restore", OLD_TABLE, stdout=StringIO())
    assert _rows("audit_restore_y2019m03") == before


@pytest.mark.django_db(transaction=True)
def test_archive_keeps_recent_partitions(old_partition):
    job_execute("auditing.partitions_archive")
    this_month = f"auditing_auditevent_y{timezone.now():%Y}m{timezone.now():%m}"
    assert _exists(this_month)


@pytest.mark.django_db(transaction=True)
def test_archive_resumes_a_partition_left_detached(old_partition):
    with connection.cursor() as cursor:
        cursor.execute("SELECT auditing_partition_detach(%s)", [OLD_TABLE])
    run = job_execute("auditing.partitions_archive")
    assert run.rows == 500 and not _exists(OLD_TABLE)


@pytest.mark.django_db(transaction=True)
def test_verify_and_restore_refuse_a_tampered_archive(old_partition):
    job_execute("auditing.partitions_archive")
    path = old_partition / f"{OLD_TABLE}.tsv.gz"
    data = gzip.decompress(path.read_bytes()).replace(b"10.0.0.1", b"10.6.6.6")
    path.write_bytes(gzip.compress(data))
    out = StringIO()
    with pytest.raises(CommandError, match="1 archive"):
        call_command("audit_verify", stdout=out)
    assert "SHA-256 mismatch" in out.getvalue()
    with pytest.raises(CommandError, match="SHA-256 mismatch"):
        call_command("audit_restore", OLD_TABLE, stdout=StringIO())
    assert not _exists("audit_restore_y2019m03")

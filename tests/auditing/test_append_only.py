"""The audit trail and history tables refuse change: the database says no, whoever asks.

The application's role is refused by its privileges before any trigger runs; the triggers
behind them refuse the owner too (tests/integrity/test_owner.py).
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.services import audit_record
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_id(audit_trail):
    audit_record("test_event", data={"n": 1})
    return audit_trail.events(action="test_event")[0].id


def _count(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditing_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM auditing_auditevent WHERE id = %s",
    ],
)
def test_update_and_delete_of_audit_events_are_refused(event_id, statement):
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
    ):
        with connection.cursor() as cursor:
            cursor.execute(statement, [event_id])
    assert (
        _count(
            "SELECT count(*) FROM auditing_auditevent WHERE id = %s AND action = 'test_event'",
            [event_id],
        )
        == 1
    )


@pytest.mark.parametrize(
    "table", ["auditing_auditevent", "auditing_auditevent_default", "current_partition"]
)
def test_truncate_is_refused_on_the_trail_and_each_partition(event_id, table):
    if table == "current_partition":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableoid::regclass::text FROM auditing_auditevent WHERE id = %s",
                [event_id],
            )
            table = cursor.fetchone()[0]
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    assert (
        _count("SELECT count(*) FROM auditing_auditevent WHERE id = %s", [event_id])
        == 1
    )


def test_update_of_a_partition_directly_is_refused(event_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM auditing_auditevent WHERE id = %s",
            [event_id],
        )
        partition = cursor.fetchone()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {partition} SET actor_id = 1 WHERE id = %s", [event_id]
            )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE testapp_historicalwidget SET name = 'forged'",
        "DELETE FROM testapp_historicalwidget",
    ],
)
def test_history_tables_are_append_only(statement):
    Widget.objects.create(name="h")
    before = _count("SELECT count(*) FROM testapp_historicalwidget WHERE name = 'h'")
    assert before == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert (
        _count("SELECT count(*) FROM testapp_historicalwidget WHERE name = 'h'")
        == before
    )

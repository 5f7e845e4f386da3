"""Statements of several rows are captured per statement and give the same events as one-row ones.

A one-row UPDATE keeps two JSON images that the drain diffs; an UPDATE of several rows is
compared column by column in the trigger. Both must record exactly the same changes.
"""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import connection

from apps.auditing import services
from apps.auditing.roles import as_owner
from tests.testapp.models import Part, Widget

pytestmark = pytest.mark.django_db


def _sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _captures(table: str) -> list[tuple]:
    return _sql(
        "SELECT action, cardinality(ids), changes IS NOT NULL FROM auditing_auditevent_inbox"
        " WHERE table_name = %s ORDER BY ids[1]",
        [table],
    )


def _drain_all() -> None:
    while services.audit_inbox_drain(batch_size=1000):
        pass


def test_one_row_and_several_rows_record_the_same_changes(audit_trail):
    one = Widget.objects.create(name="one", colour="red", price="1.50", secret="a")
    many = [
        Widget.objects.create(name=f"many-{i}", colour="red", price="1.50", secret="a")
        for i in range(3)
    ]
    Widget.objects.filter(pk=one.pk).update(colour="", price="2.25", secret="b")
    Widget.objects.filter(pk__in=[w.pk for w in many]).update(
        colour="", price="2.25", secret="b"
    )
    updates = audit_trail.events(action="update")
    assert len(updates) == 4
    assert [u.row_pk for u in updates] == [str(one.pk)] + [str(w.pk) for w in many]
    expected = {
        "colour": ["red", ""],
        "price": [1.5, 2.25],  # numbers stay numbers on both paths
        "secret": ["[withheld]", "[withheld]"],
    }
    assert all(u.changes == expected for u in updates)
    assert {u.actor_kind for u in updates} == {"system"}
    # One capture for the one-row update (two images), one for the three rows (changes only).
    assert _captures("testapp_widget")[-2:] == [
        ("update", 1, False),
        ("update", 3, True),
    ]

    _drain_all()
    assert [u.changes for u in audit_trail.events(action="update")] == [expected] * 4


def test_soft_delete_and_restore_of_several_rows_keep_their_actions(audit_trail):
    widgets = [Widget.objects.create(name=f"sd-{i}") for i in range(3)]
    Widget.objects.filter(pk__in=[w.pk for w in widgets]).soft_delete()
    Widget.deleted_objects.filter(pk__in=[w.pk for w in widgets[:2]]).restore()
    actions = audit_trail.actions(table_name="testapp_widget")
    assert actions == ["insert"] * 3 + ["soft_delete"] * 3 + ["restore"] * 2
    soft = audit_trail.events(action="soft_delete")[0]
    assert (
        list(soft.changes) == ["deleted_at"] and soft.changes["deleted_at"][0] is None
    )


def test_rows_a_multi_row_update_leaves_as_they_were_have_no_event(audit_trail):
    widgets = [Widget.objects.create(name=f"same-{i}", colour="red") for i in range(3)]
    Widget.objects.filter(pk__in=[w.pk for w in widgets]).update(colour="red")
    Widget.objects.filter(pk__in=[w.pk for w in widgets]).update(
        price="0.00"  # 0 == 0.00: the same value
    )
    Widget.objects.filter(pk=widgets[0].pk).update(colour="red")  # one row, unchanged
    Widget.objects.filter(name="nobody").update(colour="blue")  # no row at all
    assert audit_trail.actions() == ["insert"] * 3
    _drain_all()
    assert audit_trail.actions() == ["insert"] * 3
    assert _sql("SELECT count(*) FROM auditing_auditevent_inbox")[0][0] == 0


@pytest.mark.django_db(transaction=True)
def test_key_changes_of_several_rows_name_the_new_keys(audit_trail):
    widget = Widget.objects.create(name="keys")
    parts = [Part.objects.create(widget=widget, label=f"k{i}") for i in range(2)]
    # Audited tables keep their keys (pk_immutable); the capture itself records a key
    # change on any table that allows one, as here with that rule set aside.
    with as_owner(), pgtrigger.ignore("testapp.Part:pk_immutable"):
        _sql(
            "UPDATE testapp_part SET id = id + 100000 WHERE id = ANY(%s)",
            [[p.pk for p in parts]],
        )
    updates = audit_trail.events(table_name="testapp_part", action="update")
    assert sorted(u.row_pk for u in updates) == sorted(
        str(p.pk + 100000) for p in parts
    )
    assert all(
        u.changes == {"id": [int(u.row_pk) - 100000, int(u.row_pk)]} for u in updates
    )


@pytest.mark.django_db(transaction=True)
def test_any_column_type_and_a_dropped_column(audit_trail):
    # A table made for the test: by the owner (the application's role creates none).
    with as_owner():
        try:
            _any_column_type_and_a_dropped_column(audit_trail)
        finally:
            _sql("DROP TABLE IF EXISTS audit_types")


def _any_column_type_and_a_dropped_column(audit_trail):
    _sql(
        """
        CREATE TABLE audit_types (
            id bigint PRIMARY KEY, gone text, doc json, tags text[], at timestamptz,
            "Odd name" varchar(20), hidden text, n numeric
        );
        ALTER TABLE audit_types DROP COLUMN gone;
        CREATE TRIGGER audit_update AFTER UPDATE ON audit_types
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{hidden}');
        INSERT INTO audit_types
            SELECT g, '{"a": 1}', '{x}', '2026-01-01T00:00:00Z', 'v', 's', 1 FROM generate_series(1, 3) g;
        """
    )
    _sql(
        """UPDATE audit_types SET doc = '{"a": 2}', tags = '{x,y}', at = NULL,
           "Odd name" = 'w', hidden = 't' WHERE id <= 2"""
    )
    _sql("UPDATE audit_types SET n = 2 WHERE id = 3")
    events = audit_trail.events(table_name="audit_types")
    expected_many = {
        "doc": [{"a": 1}, {"a": 2}],  # json has no equality operator: compared as text
        "tags": [["x"], ["x", "y"]],
        "at": ["2026-01-01T00:00:00+00:00", None],
        "Odd name": ["v", "w"],
        "hidden": ["[withheld]", "[withheld]"],
    }
    assert [(e.row_pk, e.changes) for e in events] == [
        ("1", expected_many),
        ("2", expected_many),
        ("3", {"n": [1, 2]}),
    ]


def test_statements_over_fifty_thousand_rows_are_captured_in_parts(audit_trail):
    widget = Widget.objects.create(name="bulk")
    _sql(
        "INSERT INTO testapp_part (widget_id, label, deleted_at)"
        " SELECT %s, 'p' || g, NULL FROM generate_series(1, 50001) g",
        [widget.pk],
    )
    _sql(
        "UPDATE testapp_part SET label = label || '!' WHERE widget_id = %s", [widget.pk]
    )
    assert _captures("testapp_part") == [
        ("insert", 50000, False),
        ("insert", 1, False),
        ("update", 50000, True),
        ("update", 1, True),
    ]
    counts = _sql(
        "SELECT action, count(*), count(DISTINCT id), count(DISTINCT row_pk)"
        " FROM auditing_auditevent_all WHERE id > %s AND table_name = 'testapp_part'"
        " GROUP BY action ORDER BY action",
        [audit_trail.marker],
    )
    assert counts == [("insert", 50001, 50001, 50001), ("update", 50001, 50001, 50001)]
    # The drain takes whole captures until a batch is full.
    assert services.audit_inbox_drain(batch_size=10) >= 10
    _drain_all()
    assert _sql(
        "SELECT count(*) FROM auditing_auditevent WHERE id > %s AND table_name = 'testapp_part'",
        [audit_trail.marker],
    ) == [(100002,)]

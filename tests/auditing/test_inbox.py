"""Row changes wait in the inbox until the drain moves them, unchanged, into the trail.

An inbox row is one capture: the rows one statement changed, one event id each.
"""

from __future__ import annotations

import threading

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing import services
from apps.auditing.jobs import JOBS, job_execute
from apps.auditing.roles import as_owner
from tests.testapp.models import Part, Plain, Widget

pytestmark = pytest.mark.django_db

COLUMNS = (
    "id, occurred_at, txid, table_name, row_pk, action, changes::text, actor_id,"
    " actor_kind, source, request_id, ip::text, db_role, context::text"
)


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _events(audit_trail) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS} FROM auditing_auditevent_all WHERE id > %s ORDER BY id",
            [audit_trail.marker],
        )
        return cursor.fetchall()


def _in_inbox(event_ids) -> int:
    return _scalar(
        "SELECT count(*) FROM auditing_auditevent_inbox i, unnest(i.ids) AS e(id)"
        " WHERE e.id = ANY(%s)",
        [list(event_ids)],
    )


def _drain_all() -> int:
    moved = 0
    while batch := services.audit_inbox_drain(batch_size=1000):
        moved += batch
    return moved


@pytest.mark.django_db(transaction=True)
def test_row_changes_are_readable_at_once_and_identical_after_the_drain(audit_trail):
    widget = Widget.objects.create(name="inbox", colour="red", price=1, secret="s1")
    Widget.objects.filter(pk=widget.pk).update(colour="blue", price=2, secret="s2")
    Widget.objects.filter(pk=widget.pk).update(colour="blue")  # changes nothing
    widget.soft_delete()
    part = Part.objects.create(widget=widget, label="p")
    Part.objects.filter(pk=part.pk).update(label="q")
    with as_owner():  # a hard delete is the owner's
        Part.all_objects.filter(pk=part.pk).hard_delete()
    before = _events(audit_trail)
    assert [(e[3], e[5]) for e in before] == [
        ("testapp_widget", "insert"),
        ("testapp_widget", "update"),
        ("testapp_widget", "soft_delete"),
        ("testapp_part", "insert"),
        ("testapp_part", "update"),
        ("testapp_part", "delete"),
    ]
    assert _in_inbox(e[0] for e in before) == len(before)

    _drain_all()

    assert _in_inbox(e[0] for e in before) == 0
    assert _events(audit_trail) == before  # same ids, times, values, JSON types
    update = audit_trail.events(table_name="testapp_widget", action="update")[0]
    assert update.changes == {
        "colour": ["red", "blue"],
        "price": [1, 2],  # numbers stay numbers
        "secret": ["[withheld]", "[withheld]"],
    }


@pytest.mark.django_db(transaction=True)
def test_sensitive_values_never_reach_the_inbox(audit_trail):
    first = Widget.objects.create(name="quiet-1", secret="hush-hush-value")
    Widget.objects.create(name="quiet-2", secret="hush-hush-value")
    Widget.objects.filter(pk=first.pk).update(secret="another-hush-value")  # one row
    quiet = Widget.objects.filter(name__startswith="quiet")
    quiet.update(secret="third-hush-value")  # two rows
    with as_owner():  # a hard delete is the owner's
        Widget.all_objects.filter(name__startswith="quiet").hard_delete()
    assert (
        _scalar(
            "SELECT count(*) FROM auditing_auditevent_inbox"
            " WHERE concat_ws(' ', old_rows::text, new_rows::text, changes)"
            " LIKE '%%hush-value%%'"
        )
        == 0
    )


@pytest.mark.django_db(transaction=True)
def test_a_primary_key_change_is_recorded(audit_trail):
    plain_free_id = Part.objects.create(
        widget=Widget.objects.create(name="k"), label="key"
    ).pk
    # Audited tables keep their keys (pk_immutable); the capture itself records a key
    # change on any table that allows one, as here with that rule set aside.
    with as_owner(), pgtrigger.ignore("testapp.Part:pk_immutable"):
        Part.objects.filter(pk=plain_free_id).update(id=plain_free_id + 1000)
    update = audit_trail.events(table_name="testapp_part", action="update")[0]
    assert update.row_pk == str(plain_free_id + 1000)
    assert update.changes == {"id": [plain_free_id, plain_free_id + 1000]}


def test_a_bad_context_fails_the_writing_statement_not_the_drain(audit_trail):
    with pytest.raises(DatabaseError, match="source_valid"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('audit.context', '{\"source\": \"nonsense\"}', true)"
            )
            cursor.execute(
                "INSERT INTO testapp_widget (name, colour, price, secret)"
                " VALUES ('bad', '', 0, '')"
            )
    assert audit_trail.events() == []


def test_unaudited_tables_write_nothing(audit_trail):
    Plain.objects.create(value=1)
    assert audit_trail.events() == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditing_auditevent_inbox SET action = 'forged' WHERE %s = ANY(ids)",
        "UPDATE auditing_auditevent_inbox SET new_rows = '[{}]' WHERE %s = ANY(ids)",
        "UPDATE auditing_auditevent_inbox SET ids = ids || 1::bigint WHERE %s = ANY(ids)",
        "DELETE FROM auditing_auditevent_inbox WHERE %s = ANY(ids)",
    ],
)
def test_inbox_rows_cannot_be_changed_or_deleted_before_they_are_in_the_trail(
    audit_trail, statement
):
    Widget.objects.create(name="kept")
    event_id = audit_trail.events()[0].id
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
    ):
        with connection.cursor() as cursor:
            cursor.execute(statement, [event_id])
    assert _in_inbox([event_id]) == 1
    assert audit_trail.events()[0].action == "insert"


def test_inbox_truncate_is_refused(audit_trail):
    Widget.objects.create(name="kept")
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE auditing_auditevent_inbox")
    assert len(audit_trail.events()) == 1


def test_captures_are_never_rewritten_erasure_redacts_them_in_the_trail(audit_trail):
    Widget.objects.create(name="personal")
    event_id = audit_trail.events()[0].id
    for change in ('new_rows = \'[{"name": "[erased]"}]\'', "action = 'delete'"):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('auditing.redaction', 'on', true)")
                cursor.execute(
                    f"UPDATE auditing_auditevent_inbox SET {change} WHERE %s = ANY(ids)",
                    [event_id],
                )
    assert audit_trail.events()[0].changes["name"] == "personal"
    # Erasure drains first, then replaces the personal text in the trail.
    services.audit_redact(
        terms=["personal"],
        rows=[("testapp_widget", audit_trail.events()[0].row_pk)],
        reason="test",
    )
    assert _in_inbox([event_id]) == 0
    assert audit_trail.events(action="insert")[0].changes["name"] == "[erased]"


def test_drain_job_is_declared_every_thirty_seconds_and_records_its_run(audit_trail):
    import datetime as dt

    assert JOBS["auditing.inbox_drain"].schedule == dt.timedelta(seconds=30)
    Widget.objects.bulk_create([Widget(name=f"job-{i}") for i in range(30)])
    ids = [e.id for e in audit_trail.events()]
    run = job_execute("auditing.inbox_drain")
    assert run.outcome == "success", run.error
    assert run.rows >= 30 and _in_inbox(ids) == 0
    assert len(audit_trail.events()) == 30


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_move_each_row_once():
    marker = _scalar("SELECT COALESCE(max(id), 0) FROM auditing_auditevent_all")
    widget = Widget.objects.create(name="race")
    Part.objects.bulk_create([Part(widget=widget, label=f"p{i}") for i in range(300)])
    Part.objects.filter(widget=widget).update(label="moved")
    moved = []

    def drain():
        total = 0
        while batch := services.audit_inbox_drain(batch_size=25):
            total += batch
        moved.append(total)
        connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(moved) >= 601
    trail = _scalar(
        "SELECT count(*) FROM auditing_auditevent WHERE id > %s AND table_name = 'testapp_part'",
        [marker],
    )
    distinct = _scalar(
        "SELECT count(DISTINCT id) FROM auditing_auditevent WHERE id > %s AND table_name = 'testapp_part'",
        [marker],
    )
    assert trail == distinct == 600
    assert (
        _scalar(
            "SELECT count(*) FROM auditing_auditevent_inbox i, unnest(i.ids) AS e(id)"
            " WHERE e.id > %s",
            [marker],
        )
        == 0
    )


def test_the_application_cannot_write_a_capture_of_its_own(audit_trail):
    before = _scalar("SELECT count(*) FROM auditing_auditevent_inbox")
    with pytest.raises(DatabaseError, match="capture_only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auditing_auditevent_inbox"
                " (table_name, pk_column, action, ids, new_rows, actor_kind, source)"
                " VALUES ('accounts_user', 'id', 'insert',"
                " ARRAY[nextval('auditing_auditevent_id_seq')],"
                """ '[{"id": 1, "email": "forged@example.com"}]', 'staff', 'admin')"""
            )
    assert _scalar("SELECT count(*) FROM auditing_auditevent_inbox") == before
    assert audit_trail.events() == []


@pytest.mark.django_db(transaction=True)
def test_a_capture_the_drain_cannot_move_is_quarantined_and_the_rest_move(
    audit_trail, client
):
    from apps.auditing.selectors import audit_backlog
    from tests.conftest import superuser_sql

    _drain_all()
    Widget.objects.create(name="first")
    _drain_all()
    (first,) = audit_trail.events()
    # A capture whose event clashes with one the trail holds (same id and time), as a
    # damaged or hand-made row would: it can never reach the trail.
    superuser_sql(
        "INSERT INTO auditing_auditevent_inbox (occurred_at, table_name, pk_column, action,"
        " ids, new_rows, actor_kind, source) VALUES (%s, 'testapp_widget', 'id', 'insert',"
        """ ARRAY[%s::bigint], '[{"id": 1, "name": "clash"}]', 'system', 'sql')""",
        [first.occurred_at, first.id],
    )
    Widget.objects.create(name="behind it")
    try:
        assert (
            _drain_all() == 2
        )  # both left the inbox: one to the trail, one to quarantine
        assert _scalar("SELECT count(*) FROM auditing_auditevent_inbox") == 0
        assert [e.changes["name"] for e in audit_trail.events()] == [
            "first",
            "behind it",
        ]
        assert (
            _scalar(
                "SELECT count(*) FROM auditing_auditevent_quarantine"
                " WHERE sqlstate = '23505' AND capture->'new_rows'->0->>'name' = 'clash'"
            )
            == 1
        )
        assert audit_backlog().quarantined == 1
        body = client.get("/healthz").json()
        assert body["warnings"] == ["audit_captures_quarantined"]
        # Kept: the application can neither change nor remove it.
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM auditing_auditevent_quarantine")
    finally:
        superuser_sql("DELETE FROM auditing_auditevent_quarantine")

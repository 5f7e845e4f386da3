"""Redaction for erasure may only replace personal text with the marker: never invent,
drop or rewrite content, never touch who / what / when, and never rewrite an inbox capture.

Each attempt is made twice, on connections of their own over committed rows: as the
application's role, whose one way to redact is the owner's function `auditing_event_redact`
(its UPDATE of the trail is refused by its privileges), and as the owner with the
sanctioned redaction flag set, where the trail's trigger is what refuses.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection

from apps.auditing.services import audit_inbox_drain, audit_record
from tests.conftest import connect_as

pytestmark = pytest.mark.django_db(transaction=True)
ROLES = ["application", "owner"]


def _connect(role: str) -> psycopg.Connection:
    return connect_as(role, autocommit=True)


def _event(action: str) -> tuple[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            # The newest: the trail keeps the probes of earlier tests.
            "SELECT id, changes FROM auditing_auditevent WHERE action = %s"
            " ORDER BY id DESC LIMIT 1",
            [action],
        )
        event_id, changes = cursor.fetchone()
    return event_id, json.loads(changes) if isinstance(changes, str) else changes


def _redact(role: str, event_id: int, changes: dict) -> None:
    with _connect(role) as conn, conn.transaction():
        if role == "application":
            found = conn.execute(
                "SELECT auditing_event_redact(id, occurred_at, %s::jsonb, context, false)"
                " FROM auditing_auditevent WHERE id = %s",
                [json.dumps(changes), event_id],
            ).fetchone()[0]
            assert found
        else:
            conn.execute("SELECT set_config('auditing.redaction', 'on', true)")
            conn.execute(
                "UPDATE auditing_auditevent SET changes = %s::jsonb WHERE id = %s",
                [json.dumps(changes), event_id],
            )


ORIGINAL = {
    "name": "Erin Erasmus, Berlin",
    "items": 3,
    "tags": ["vip", "erin@example.com"],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "forged",
    [
        {**ORIGINAL, "name": "Someone Else, Berlin"},  # rewritten
        {**ORIGINAL, "name": "[erased], Berlin and a note"},  # content added
        {**ORIGINAL, "items": 30},  # a number changed
        {"name": "[erased], Berlin", "tags": ORIGINAL["tags"]},  # a key dropped
        {**ORIGINAL, "extra": "[erased]"},  # a key added
        {**ORIGINAL, "tags": ["vip"]},  # an element dropped
    ],
    ids=["rewritten", "added", "number", "key_dropped", "key_added", "element_dropped"],
)
def test_redaction_refuses_anything_but_the_marker(forged, role):
    audit_record("redaction_probe", data=ORIGINAL)
    event_id, before = _event("redaction_probe")
    with pytest.raises(psycopg.DatabaseError) as refused:
        _redact(role, event_id, forged)
    assert refused.value.diag.constraint_name == "auditing_auditevent_append_only"
    assert _event("redaction_probe") == (event_id, before)


@pytest.mark.parametrize("role", ROLES)
def test_redaction_may_replace_personal_text_with_the_marker(role):
    audit_record("redaction_probe", data=ORIGINAL)
    event_id, _ = _event("redaction_probe")
    redacted = {**ORIGINAL, "name": "[erased], Berlin", "tags": ["vip", "[erased]"]}
    _redact(role, event_id, redacted)
    assert _event("redaction_probe") == (event_id, redacted)


def test_the_application_cannot_update_the_trail_even_with_the_flag():
    audit_record("redaction_probe", data=ORIGINAL)
    event_id, before = _event("redaction_probe")
    with _connect("application") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("SELECT set_config('auditing.redaction', 'on', true)")
            conn.execute(
                "UPDATE auditing_auditevent SET changes = '{}' WHERE id = %s",
                [event_id],
            )
    assert _event("redaction_probe") == (event_id, before)


def _one_capture() -> tuple[int, str]:
    from tests.testapp.models import Widget

    while audit_inbox_drain(batch_size=100_000):
        pass
    Widget.objects.create(name="captured")
    with connection.cursor() as cursor:
        cursor.execute("SELECT ids[1], new_rows::text FROM auditing_auditevent_inbox")
        (capture,) = cursor.fetchall()
    return capture


def _inbox() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT new_rows::text FROM auditing_auditevent_inbox")
        return cursor.fetchall()


@pytest.mark.parametrize("role", ROLES)
def test_an_inbox_capture_is_never_rewritten_even_for_redaction(role):
    _, images = _one_capture()
    with _connect(role) as conn:
        with pytest.raises(psycopg.DatabaseError) as refused, conn.transaction():
            conn.execute("SELECT set_config('auditing.redaction', 'on', true)")
            conn.execute("UPDATE auditing_auditevent_inbox SET new_rows = '[]'")
    if role == "application":
        assert isinstance(refused.value, psycopg.errors.InsufficientPrivilege)
    else:
        assert (
            refused.value.diag.constraint_name
            == "auditing_auditevent_inbox_append_only"
        )
    assert _inbox() == [(images,)]


def test_forged_trail_rows_with_a_captures_ids_do_not_let_the_owner_delete_it():
    event_id, images = _one_capture()
    with _connect("owner") as conn:
        with pytest.raises(psycopg.DatabaseError) as refused, conn.transaction():
            occurred_at, txid = conn.execute(
                "SELECT occurred_at, txid FROM auditing_auditevent_inbox"
            ).fetchone()
            # A row with the capture's id, time and transaction, but other content.
            conn.execute(
                "INSERT INTO auditing_auditevent (id, occurred_at, txid, table_name, row_pk,"
                " action, changes) VALUES (%s, %s, %s, 'testapp_widget', '1', 'insert',"
                ' \'{"name": "forged"}\')',
                [event_id, occurred_at, txid],
            )
            conn.execute("DELETE FROM auditing_auditevent_inbox")
    assert refused.value.diag.constraint_name == "auditing_auditevent_inbox_append_only"
    assert _inbox() == [(images,)]


TRAIL_COLUMNS = [
    "id",
    "occurred_at",
    "txid",
    "table_name",
    "row_pk",
    "action",
    "changes",
    "actor_id",
    "actor_kind",
    "source",
    "request_id",
    "ip",
    "db_role",
    "context",
]


@pytest.mark.parametrize(
    ("column", "forged"),
    [
        (None, None),  # the capture's event as it is: the capture may go
        ("txid", "txid + 1"),
        ("table_name", "'testapp_part'"),
        ("row_pk", "'999999'"),
        ("action", "'update'"),
        ("changes", """changes || '{"name": "other"}'"""),
        ("actor_id", "42"),
        ("actor_kind", "'staff'"),
        ("source", "'web'"),
        ("request_id", "'forged'"),
        ("ip", "'10.0.0.1'"),
        ("db_role", "'someone_else'"),
        ("context", """'{"forged": true}'"""),
    ],
)
def test_a_trail_row_that_differs_from_the_event_in_any_column_keeps_the_capture(
    column, forged
):
    _, images = _one_capture()
    values = ", ".join(forged if c == column else c for c in TRAIL_COLUMNS)
    with _connect("owner") as conn:
        with conn.transaction(force_rollback=True):
            conn.execute(
                f"INSERT INTO auditing_auditevent ({', '.join(TRAIL_COLUMNS)})"
                f" SELECT {values} FROM ("
                " SELECT e.id, i.occurred_at, i.txid, i.table_name, e.row_pk, e.action,"
                " e.changes, i.actor_id, i.actor_kind, i.source, i.request_id, i.ip,"
                " i.db_role, i.context"
                " FROM auditing_auditevent_inbox i, auditing_inbox_events(i) e) s"
            )
            if column is None:
                deleted = conn.execute("DELETE FROM auditing_auditevent_inbox")
                assert deleted.rowcount == 1
            else:
                with pytest.raises(psycopg.DatabaseError) as refused:
                    with conn.transaction():
                        conn.execute("DELETE FROM auditing_auditevent_inbox")
                assert (
                    refused.value.diag.constraint_name
                    == "auditing_auditevent_inbox_append_only"
                )
    assert _inbox() == [(images,)]


def test_the_application_can_neither_forge_trail_rows_nor_delete_a_capture():
    event_id, images = _one_capture()
    with _connect("application") as conn:
        for statement in (
            "INSERT INTO auditing_auditevent (id, action) VALUES (%s, 'insert')",
            "DELETE FROM auditing_auditevent_inbox WHERE %s = ANY(ids)",
        ):
            with (
                pytest.raises(psycopg.errors.InsufficientPrivilege),
                conn.transaction(),
            ):
                conn.execute(statement, [event_id])
        # Its one way: the drain, which moves the capture's events as they are.
        assert conn.execute("SELECT auditing_inbox_drain(1000)").fetchone()[0] == 1
    assert _inbox() == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, changes->>'name' FROM auditing_auditevent WHERE id = %s",
            [event_id],
        )
        assert cursor.fetchone() == ("insert", "captured")


def test_an_application_event_cannot_pose_as_a_row_change():
    with _connect("application") as conn:
        for action in ("insert", "update", "delete", "soft_delete", "restore"):
            with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
                conn.execute(
                    "SELECT auditing_event_record(%s, 'accounts_user', '1', NULL, NULL,"
                    " 'system', 'sql', NULL, NULL, NULL)",
                    [action],
                )

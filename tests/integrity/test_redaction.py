"""Redaction for erasure may only replace personal text with the marker: never invent,
drop or rewrite content, never touch who / what / when, and never rewrite an inbox capture."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.services import audit_inbox_drain, audit_record

pytestmark = pytest.mark.django_db


def _event(action: str) -> tuple[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, changes FROM auditing_auditevent WHERE action = %s", [action]
        )
        event_id, changes = cursor.fetchone()
    return event_id, json.loads(changes) if isinstance(changes, str) else changes


def _redact(event_id: int, changes: dict) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('auditing.redaction', 'on', true)")
        cursor.execute(
            "UPDATE auditing_auditevent SET changes = %s::jsonb WHERE id = %s",
            [json.dumps(changes), event_id],
        )


ORIGINAL = {
    "name": "Erin Erasmus, Berlin",
    "items": 3,
    "tags": ["vip", "erin@example.com"],
}


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
def test_redaction_refuses_anything_but_the_marker(forged):
    audit_record("redaction_probe", data=ORIGINAL)
    event_id, before = _event("redaction_probe")
    with pytest.raises(DatabaseError) as refused:
        _redact(event_id, forged)
    assert (
        refused.value.__cause__.diag.constraint_name
        == "auditing_auditevent_append_only"
    )
    assert _event("redaction_probe") == (event_id, before)


def test_redaction_may_replace_personal_text_with_the_marker():
    audit_record("redaction_probe", data=ORIGINAL)
    event_id, _ = _event("redaction_probe")
    redacted = {**ORIGINAL, "name": "[erased], Berlin", "tags": ["vip", "[erased]"]}
    _redact(event_id, redacted)
    assert _event("redaction_probe") == (event_id, redacted)


def test_an_inbox_capture_is_never_rewritten_even_for_redaction():
    from tests.testapp.models import Widget

    while audit_inbox_drain(batch_size=100_000):
        pass
    Widget.objects.create(name="captured")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ctid::text, new_rows::text FROM auditing_auditevent_inbox"
        )
        ((ctid, images),) = cursor.fetchall()
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('auditing.redaction', 'on', true)")
            cursor.execute("UPDATE auditing_auditevent_inbox SET new_rows = '[]'")
    assert (
        refused.value.__cause__.diag.constraint_name
        == "auditing_auditevent_inbox_append_only"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT new_rows::text FROM auditing_auditevent_inbox")
        assert cursor.fetchall() == [(images,)]


def test_forged_trail_rows_with_a_captures_ids_do_not_let_it_be_deleted():
    from tests.testapp.models import Widget

    while audit_inbox_drain(batch_size=100_000):
        pass
    Widget.objects.create(name="real")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ids[1], occurred_at, txid, new_rows::text FROM auditing_auditevent_inbox"
        )
        ((event_id, occurred_at, txid, images),) = cursor.fetchall()
        # A row with the capture's id, time and transaction, but other content.
        cursor.execute(
            "INSERT INTO auditing_auditevent (id, occurred_at, txid, table_name, row_pk,"
            " action, changes) VALUES (%s, %s, %s, 'testapp_widget', '1', 'insert',"
            ' \'{"name": "forged"}\')',
            [event_id, occurred_at, txid],
        )
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM auditing_auditevent_inbox")
    assert (
        refused.value.__cause__.diag.constraint_name
        == "auditing_auditevent_inbox_append_only"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT new_rows::text FROM auditing_auditevent_inbox")
        assert cursor.fetchall() == [(images,)]

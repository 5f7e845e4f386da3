"""Reads of the trail: fast everyday reads of the trail, complete reads with the backlog."""

import re

import pytest

from apps.auditing.jobs import job_execute
from apps.auditing.selectors import (
    audit_backlog,
    audit_backlog_captures,
    audit_person_trail,
    audit_row_history,
)
from apps.auditing.services import audit_inbox_drain
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def _drain():
    while audit_inbox_drain(batch_size=100_000):
        pass


def test_row_history_reads_the_trail_and_complete_reads_add_the_backlog():
    _drain()
    widget = Widget.objects.create(name="kept")
    widget.name = "renamed"
    widget.save()

    # Waiting in the inbox: not yet in the trail, already in the complete read.
    assert list(audit_row_history(table_name="testapp_widget", row_pk=widget.pk)) == []
    complete = audit_row_history(
        table_name="testapp_widget", row_pk=widget.pk, include_pending=True
    )
    assert [e.action for e in complete] == ["update", "insert"]

    _drain()
    history = audit_row_history(table_name="testapp_widget", row_pk=widget.pk)
    assert [e.action for e in history] == ["update", "insert"]
    assert history[0].changes == {"name": ["kept", "renamed"]}


def test_person_trail_is_newest_first(staff):
    from apps.auditing.context import audit_context
    from apps.auditing.services import audit_record

    with audit_context(source="admin", actor_id=staff.pk, actor_kind="staff"):
        audit_record("first")
        audit_record("second")
    assert [e.action for e in audit_person_trail(actor_id=staff.pk)][:2] == [
        "second",
        "first",
    ]


def test_backlog_counts_waiting_captures_and_events():
    _drain()
    assert audit_backlog().events == 0
    assert audit_backlog().lag_seconds == 0
    Widget.objects.bulk_create([Widget(name=f"w{i}") for i in range(3)])
    Widget.objects.create(name="single")
    backlog = audit_backlog()
    assert (backlog.captures, backlog.events) == (2, 4)
    assert backlog.oldest_at is not None
    assert audit_backlog_captures(cap=1) == 2
    assert audit_backlog_captures() == 2


def test_watchdog_warns_when_the_drain_lags(settings):
    _drain()
    Widget.objects.create(name="waiting")
    assert "warnings" not in job_execute("auditing.jobs_watchdog").detail

    settings.AUDIT_BACKLOG_WARN_EVENTS = 1
    run = job_execute("auditing.jobs_watchdog")
    assert run.outcome == "success"
    assert run.detail["audit_backlog"]["pending_events"] == 1
    (warning,) = run.detail["warnings"]
    assert re.fullmatch(
        r"audit drain behind: 1 row changes wait in the inbox, the oldest for \d+ s",
        warning,
    )


def test_backlog_lags_by_age_too_but_never_when_nothing_waits(settings):
    _drain()
    settings.AUDIT_BACKLOG_WARN_EVENTS = 1_000_000
    settings.AUDIT_BACKLOG_WARN_SECONDS = 0
    assert audit_backlog().lagging is False  # nothing waits, however strict the limit
    Widget.objects.create(name="old enough")
    backlog = audit_backlog()
    assert backlog.lag_seconds > 0  # the clock, not the transaction's start
    assert backlog.lagging is True
    settings.AUDIT_BACKLOG_WARN_SECONDS = 3600
    assert audit_backlog().lagging is False

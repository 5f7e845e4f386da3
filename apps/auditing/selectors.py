"""Reads of the audit trail with a meaning: a row's history, a person's trail, the backlog.

Everyday reads (the admin, a row's history) read the trail, whose indexes serve them in a
few milliseconds however much waits in the inbox; `audit_backlog()` says how much waits and
since when. Reads that must be complete at once (an export of a person's data) add the
waiting events (`include_pending=True`): they cost more the longer the backlog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT

from .models import AuditEvent, AuditEventWithPending, QuarantinedCapture


def _events(include_pending: bool) -> QuerySet:
    model = AuditEventWithPending if include_pending else AuditEvent
    return model.objects.all()


def audit_row_history(
    *, table_name: str, row_pk, include_pending: bool = False
) -> QuerySet:
    """Events of one row, newest first."""
    return _events(include_pending).filter(table_name=table_name, row_pk=str(row_pk))


def audit_person_trail(*, actor_id: int, include_pending: bool = False) -> QuerySet:
    """Everything one person did, newest first."""
    return _events(include_pending).filter(actor_id=actor_id)


@dataclass(frozen=True)
class Backlog:
    """Row changes captured but not yet moved into the trail."""

    captures: int
    events: int
    oldest_at: dt.datetime | None
    checked_at: dt.datetime
    # Captures the drain could not move (sql/quarantine.sql): kept, and reported until a
    # retry has moved them into the trail (sql/quarantine_retry.sql).
    quarantined: int = 0

    @property
    def lag_seconds(self) -> float:
        """How long the oldest waiting capture has waited (0 when nothing waits)."""
        if self.oldest_at is None:
            return 0.0
        return max(0.0, (self.checked_at - self.oldest_at).total_seconds())

    @property
    def lagging(self) -> bool:
        """Past the thresholds at which staff are warned (settings AUDIT_BACKLOG_WARN_*)."""
        return self.events > 0 and (
            self.events >= settings.AUDIT_BACKLOG_WARN_EVENTS
            or self.lag_seconds >= settings.AUDIT_BACKLOG_WARN_SECONDS
        )

    def as_dict(self) -> dict:
        return {
            "pending_events": self.events,
            "pending_captures": self.captures,
            "oldest_pending_age_s": round(self.lag_seconds, 1),
            "lagging": self.lagging,
            "quarantined_captures": self.quarantined,
        }


def audit_backlog() -> Backlog:
    """Exactly what waits in the inbox: one scan of it (tens of ms at 200k waiting captures)."""
    with connection.cursor() as cursor:
        cursor.execute(
            # clock_timestamp(): the time now, not the start of this transaction.
            "SELECT count(*), COALESCE(sum(cardinality(ids)), 0), min(occurred_at),"
            " clock_timestamp(), (SELECT count(*) FROM auditing_auditevent_quarantine q"
            "  WHERE NOT EXISTS (SELECT FROM auditing_auditevent_quarantine_moved m"
            "                   WHERE m.quarantine_id = q.id))"
            " FROM auditing_auditevent_inbox"
        )
        captures, events, oldest_at, now, quarantined = cursor.fetchone()
    return Backlog(captures, events, oldest_at, now, quarantined)


def audit_backlog_captures(*, cap: int = 10_000) -> int:
    """How many captures wait, counted up to `cap` + 1: bounded cost for every admin page."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT FROM auditing_auditevent_inbox LIMIT %s) s",
            [cap + 1],
        )
        return cursor.fetchone()[0]


def audit_last_drain() -> dt.datetime | None:
    """When the drain job last finished successfully."""
    from .models import JobRun

    return (
        JobRun.objects.filter(
            job="auditing.inbox_drain", outcome=JobRun.Outcome.SUCCESS
        )
        .order_by("-started_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def audit_quarantine_list() -> QuerySet:
    """Quarantined captures, newest first, each with its table, action, number of events and
    when a retry moved it into the trail (None while it waits)."""
    return QuarantinedCapture.objects.annotate(
        table_name=KT("capture__table_name"),
        action=KT("capture__action"),
        events=RawSQL("jsonb_array_length(capture->'ids')", ()),
        moved_at=RawSQL(
            "SELECT m.moved_at FROM auditing_auditevent_quarantine_moved m"
            " WHERE m.quarantine_id = auditing_auditevent_quarantine.id",
            (),
        ),
    ).order_by("-id")

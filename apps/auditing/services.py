"""Writes of the auditing kernel: application events, the inbox drain, partitions, purges."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .context import actor_kind_for, current
from .errors import PartitionError

PARTITION_RE = re.compile(r"^auditing_auditevent_y(\d{4})m(\d{2})$")


def audit_record(
    action: str,
    *,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    table_name: str | None = None,
    row_pk: Any = None,
) -> None:
    """Record an application event (login, export, ...) in the audit trail.

    The actor is the audit context's, or `actor` (a user) for events about a person acting
    before the context knows them (sign-up, sign-in, sign-out). Written straight into the
    partitioned trail (through `auditing_event_record()`, which gives it its id and time):
    application events are few, and reads find them at once. Row changes go through the
    inbox (see `audit_inbox_drain`).
    """
    ctx = current()
    if ctx is not None:
        ctx.resolve()
    source = ctx.source if ctx else "sql"
    if actor is not None:
        actor_id, actor_kind = actor.pk, actor_kind_for(actor)
    elif ctx is not None:
        actor_id, actor_kind = ctx.actor_id, ctx.actor_kind
    else:
        actor_id, actor_kind = None, "system"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT auditing_event_record(%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s::inet,"
            " %s::jsonb)",
            [
                action,
                table_name,
                None if row_pk is None else str(row_pk),
                json.dumps(data, default=str) if data is not None else None,
                actor_id,
                actor_kind,
                source,
                ctx.request_id if ctx else None,
                ctx.ip if ctx else None,
                json.dumps(ctx.extra, default=str) if ctx and ctx.extra else None,
            ],
        )


@transaction.atomic
def audit_inbox_drain(*, batch_size: int, wait: bool = False) -> int:
    """Move one batch of captures from the inbox into the trail; returns the event ids moved.

    Several workers may drain at once (SKIP LOCKED); with `wait`, rows another drain holds
    are waited for instead of skipped.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT auditing_inbox_drain(%s, %s)", [batch_size, wait])
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class QuarantineRetry:
    """What a retry did: the captures now in the trail, and each still refused with why."""

    moved: list[int]
    refused: dict[int, str]


@transaction.atomic
def audit_quarantine_retry(*, ids: Sequence[int], actor: Any = None) -> QuarantineRetry:
    """Move quarantined captures into the trail again, once what kept them out is repaired.

    Through the owner's `auditing_quarantine_retry()` (sql/quarantine_retry.sql): the
    application's role may not write the trail. Captures moved before are passed over. The
    retry is itself an application event.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT capture_id, moved, error_sqlstate, error_message"
            " FROM auditing_quarantine_retry(%s::bigint[])",
            [list(ids)],
        )
        rows = cursor.fetchall()
    result = QuarantineRetry(
        moved=[capture for capture, moved, _, _ in rows if moved],
        refused={
            capture: f"{state}: {message}"
            for capture, moved, state, message in rows
            if not moved
        },
    )
    if rows:
        audit_record(
            "audit_quarantine_retried",
            actor=actor,
            data={"moved": result.moved, "refused": sorted(result.refused)},
        )
    return result


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partitions_ensure(
    *, ahead: int | None = None, today: dt.date | None = None
) -> list[str]:
    """Create the audit partitions for this month and `ahead` months; returns new names."""
    ahead = settings.AUDIT_PARTITIONS_AHEAD if ahead is None else ahead
    start = _month_start(today or timezone.now().date())
    created = []
    for offset in range(ahead + 1):
        month = _add_months(start, offset)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                cursor.execute("SELECT auditing_partition_ensure(%s)", [month])
                name = cursor.fetchone()[0]
        except IntegrityError as exc:
            raise PartitionError(
                f"cannot create the audit partition for {month:%Y-%m}: {exc}"
            ) from exc
        if name:
            created.append(name)
    return created


def partitions_list() -> list[tuple[str, dt.date, bool]]:
    """Audit partitions by month: (table, month, attached), oldest first.

    Detached tables are ones an interrupted archival left behind; they are archived next.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.inhparent IS NOT NULL FROM pg_class c"
            " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
            " WHERE c.relkind = 'r' AND c.relname ~ '^auditing_auditevent_y[0-9]{4}m[0-9]{2}$'"
            " AND c.relnamespace = 'public'::regnamespace"
        )
        rows = cursor.fetchall()
    found = []
    for name, attached in rows:
        match = PARTITION_RE.match(name)
        found.append((name, dt.date(int(match[1]), int(match[2]), 1), attached))
    return sorted(found, key=lambda item: item[1])


def archive_cutoff(
    *, today: dt.date | None = None, months: int | None = None
) -> dt.date:
    """Partitions of months before this date are archived."""
    months = settings.AUDIT_RETENTION_MONTHS if months is None else months
    return _add_months(_month_start(today or timezone.now().date()), -months)


def soft_deleted_models():
    """Concrete models using soft delete."""
    from django.apps import apps

    from .softdelete import SoftDeleteModel

    return [
        m
        for m in apps.get_models()
        if issubclass(m, SoftDeleteModel) and not m._meta.abstract and m._meta.managed
    ]


def soft_deleted_purge(
    *, model, older_than: dt.datetime, batch_size: int, after: Any = None
) -> tuple[int, int, Any]:
    """Really delete one batch of rows soft-deleted before `older_than`, past pk `after`.

    Returns (purged, kept, last pk seen): rows still referenced by a protected child are kept.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    pick = (
        f"SELECT {pk}::text FROM {table} WHERE deleted_at < %s AND (%s::text IS NULL OR {pk} > %s)"
        f" ORDER BY {pk} LIMIT %s FOR UPDATE SKIP LOCKED"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Django's foreign keys are deferred: check them per DELETE, not at COMMIT.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(pick, [older_than, after, after, batch_size])
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0, 0, None
        # The delete itself is the owner's (sql/definer.sql): the application's role may not
        # switch the soft-delete trigger off.
        cursor.execute(
            "SELECT auditing_soft_deleted_purge(%s::regclass, %s, %s)",
            [model._meta.db_table, ids, older_than],
        )
        purged, kept = cursor.fetchone()[0]
    return purged, kept, model._meta.pk.to_python(ids[-1])


def _scrub(value: Any, terms: list[str]) -> Any:
    """Replace every occurrence of a term (case-insensitive) inside strings of a JSON value."""
    if isinstance(value, str):
        for term in terms:
            value = re.sub(re.escape(term), "[erased]", value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [_scrub(v, terms) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, terms) for k, v in value.items()}
    return value


@transaction.atomic
def audit_redact(
    *,
    terms: list[str],
    rows: list[tuple[str, Any]],
    actor_ids: list[int] = (),
    reason: str,
) -> int:
    """Blank personal values (erasure) in the events of given rows and actors; returns rows changed.

    `rows` are (table_name, pk) pairs whose events are scrubbed; events by `actor_ids` are
    scrubbed too and lose their IP. Identity, time, action and actor stay as they were.
    """
    terms = sorted({t for t in terms if t and len(t) >= 3}, key=len, reverse=True)
    conditions, params = [], []
    for table_name, pk in rows:
        conditions.append("(table_name = %s AND row_pk = %s)")
        params += [table_name, str(pk)]
    if actor_ids:
        conditions.append("actor_id = ANY(%s)")
        params.append(list(actor_ids))
    if not conditions:
        return 0
    changed = 0
    with connection.cursor() as cursor:
        # Every event to scrub must be in the trail first, including this transaction's
        # own (erasure updates the rows, then redacts) and those another drain is moving.
        cursor.execute(
            "SELECT auditing_inbox_drain(%s, true)", [settings.JOB_BATCH_SIZE * 10]
        )
        while cursor.fetchone()[0]:
            cursor.execute(
                "SELECT auditing_inbox_drain(%s, true)", [settings.JOB_BATCH_SIZE * 10]
            )
        cursor.execute(
            "SELECT id, occurred_at, changes, context, actor_id = ANY(%s) FROM auditing_auditevent"
            f" WHERE {' OR '.join(conditions)}",
            [list(actor_ids), *params],
        )
        for event_id, occurred_at, changes, context, by_actor in cursor.fetchall():
            changes = json.loads(changes) if isinstance(changes, str) else changes
            context = json.loads(context) if isinstance(context, str) else context
            new_changes, new_context = _scrub(changes, terms), _scrub(context, terms)
            if new_changes == changes and new_context == context and not by_actor:
                continue
            # The owner's function (sql/definer.sql); the trail's trigger lets it replace
            # personal values with the marker and clear the address, nothing else.
            cursor.execute(
                "SELECT auditing_event_redact(%s, %s, %s::jsonb, %s::jsonb, %s)",
                [
                    event_id,
                    occurred_at,
                    # None stays SQL NULL (json.dumps would make it a JSON null).
                    None if new_changes is None else json.dumps(new_changes),
                    None if new_context is None else json.dumps(new_context),
                    by_actor,
                ],
            )
            changed += 1
    audit_record(
        "audit_redacted",
        data={"reason": reason, "events": changed, "rows": [list(r) for r in rows]},
    )
    return changed

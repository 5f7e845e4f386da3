"""Back office for the audit trail and job runs; the mixins other admins use live in
`admin_mixins.py` (re-exported here)."""

from __future__ import annotations

import datetime as dt
import re

import pgtrigger
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone
from django.utils.functional import cached_property

from .admin_mixins import (  # noqa: F401 (re-exported: the other apps' admins use them)
    ReadOnlyAdminMixin,
    ShopErrorAdminMixin,
    SoftDeleteAdminMixin,
    StateFilter,
)
from .jobs import JOBS, job_enqueue, load_all_jobs
from .models import AuditEvent, JobRun
from .selectors import audit_backlog_captures, audit_last_drain
from .triggers import AuditTrigger
from .vocabulary import Action

# ASCII digits only (str.isdigit() also takes "²"); an actor id fits a bigint.
ROW_ID = re.compile(r"[0-9]{1,40}")
ACTOR_ID = re.compile(r"actor:\s*([0-9]{1,18})", re.IGNORECASE)


class CappedCountPaginator(Paginator):
    """Never runs a full COUNT(*): estimates for the whole trail, counts at most CAP rows."""

    CAP = 10_000

    @cached_property
    def count(self):
        query = self.object_list.query
        if not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COALESCE(sum(GREATEST(c.reltuples, 0)), 0)::bigint FROM pg_class c"
                    " WHERE c.oid IN (SELECT i.inhrelid FROM pg_inherits i"
                    " WHERE i.inhparent = 'auditing_auditevent'::regclass)"
                )
                estimate = cursor.fetchone()[0]
            if estimate > self.CAP:
                return estimate
        return self.object_list.order_by()[: self.CAP].count()


def audited_tables() -> list[str]:
    """Tables with audit triggers, known from the code."""
    return sorted(
        {
            model._meta.db_table
            for model, trigger in pgtrigger.registered()
            if isinstance(trigger, AuditTrigger)
        }
    )


class TableFilter(admin.SimpleListFilter):
    """Audited tables, known from the code: no DISTINCT over millions of rows."""

    title = "table"
    parameter_name = "table_name"

    def lookups(self, request, model_admin):
        return [(t, t) for t in audited_tables()]

    def queryset(self, request, queryset):
        return queryset.filter(table_name=self.value()) if self.value() else queryset


class ActionFilter(admin.SimpleListFilter):
    """Row changes by kind, or application events: a fixed list, no DISTINCT over the trail."""

    title = "action"
    parameter_name = "action"
    APPLICATION = "application"

    def lookups(self, request, model_admin):
        return [
            *Action.choices,
            (self.APPLICATION, "Application events (sign-in, export, ...)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.APPLICATION:
            return queryset.exclude(action__in=Action.values)
        if self.value():
            # Any action name, so a link can ask for one application event (login_failed).
            return queryset.filter(action=self.value())
        return queryset


class WhenFilter(admin.SimpleListFilter):
    title = "date"
    parameter_name = "when"
    RANGES = {
        "1h": dt.timedelta(hours=1),
        "24h": dt.timedelta(days=1),
        "7d": dt.timedelta(days=7),
        "30d": dt.timedelta(days=30),
    }

    def lookups(self, request, model_admin):
        return [
            ("1h", "Last hour"),
            ("24h", "Last 24 hours"),
            ("7d", "Last 7 days"),
            ("30d", "Last 30 days"),
        ]

    def queryset(self, request, queryset):
        if self.value() in self.RANGES:
            return queryset.filter(
                occurred_at__gte=timezone.now() - self.RANGES[self.value()]
            )
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The trail, newest first; every list below is served by an index of the trail.

    It reads the trail only, so it answers as fast with a long backlog as without; the page
    says how many captured changes still wait for the drain.
    """

    list_display = (
        "id",
        "occurred_at",
        "action",
        "table_name",
        "row_pk",
        "actor_kind",
        "actor_id",
        "source",
        "ip",
    )
    list_filter = ("source", ActionFilter, "actor_kind", TableFilter, WhenFilter)
    search_fields = ("=request_id",)
    search_help_text = (
        "A row id (with the table filter for one row's history), an actor's email or"
        " actor:<id>, or a request id."
    )
    ordering = ("-id",)
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    BACKLOG_CAP = 10_000
    EXACT_LOOKUPS = {
        "actor_id",
        "row_pk",
        "table_name",
        "request_id",
        "txid",
        "occurred_at__gte",
        "occurred_at__lt",
    }

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.EXACT_LOOKUPS or super().lookup_allowed(
            lookup, value, request
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if ROW_ID.fullmatch(term):
            return queryset.filter(row_pk=term), False
        if actor := ACTOR_ID.fullmatch(term):
            return queryset.filter(actor_id=int(actor[1])), False
        if "@" in term:
            from django.contrib.auth import get_user_model

            ids = list(
                get_user_model()
                ._base_manager.filter(email__iexact=term)
                .values_list("pk", flat=True)
            )
            return queryset.filter(actor_id__in=ids), False
        return queryset.filter(request_id=term), False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "audit_pending_captures": audit_backlog_captures(cap=self.BACKLOG_CAP),
            "audit_pending_cap": self.BACKLOG_CAP,
            "audit_last_drain": audit_last_drain(),
        }
        return super().changelist_view(request, extra_context)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "job",
        "outcome",
        "trigger",
        "started_at",
        "finished_at",
        "duration",
        "rows",
    )
    list_filter = ("outcome", "job", "trigger")
    ordering = ("-started_at", "-id")
    readonly_fields = (
        "job",
        "task_id",
        "trigger",
        "started_at",
        "finished_at",
        "rows",
        "outcome",
        "error",
        "detail",
    )
    actions = ["run_now"]
    show_full_result_count = False

    @admin.action(description="Run the selected runs' jobs again now")
    def run_now(self, request, queryset):
        load_all_jobs()
        names = sorted(set(queryset.values_list("job", flat=True)))
        for name in names:
            if name in JOBS:
                job_enqueue(name, trigger="manual")
        self.message_user(request, f"Queued: {', '.join(names)}.", messages.SUCCESS)

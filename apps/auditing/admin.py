"""Back office for the audit trail and job runs; the mixins other admins use live in
`admin_mixins.py` (re-exported here)."""

from __future__ import annotations

import datetime as dt
import re

import pgtrigger
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from .admin_mixins import (  # noqa: F401 (re-exported: the other apps' admins use them)
    CappedCountPaginator,
    ReadOnlyAdminMixin,
    ShopErrorAdminMixin,
    SoftDeleteAdminMixin,
    StateFilter,
)
from .dbhealth import db_health
from .jobs import JOBS, job_enqueue, load_all_jobs
from .models import AuditEvent, JobRun, QuarantinedCapture
from .selectors import (
    audit_backlog_captures,
    audit_last_drain,
    audit_quarantine_list,
)
from .services import audit_quarantine_retry
from .triggers import AuditTrigger
from .vocabulary import Action

# ASCII digits only (str.isdigit() also takes "²"); an actor id fits a bigint.
ROW_ID = re.compile(r"[0-9]{1,40}")
ACTOR_ID = re.compile(r"actor:\s*([0-9]{1,18})", re.IGNORECASE)


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


@admin.register(QuarantinedCapture)
class QuarantinedCaptureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Captures the drain could not move: what, why, since when, and whether a retry has
    moved them into the trail since. /healthz warns while one has not been moved."""

    list_display = (
        "id",
        "quarantined_at",
        "table_name",
        "capture_action",
        "events",
        "sqlstate",
        "error",
        "moved_at",
    )
    list_display_links = ("id",)
    ordering = ("-id",)
    readonly_fields = ("id", "quarantined_at", "sqlstate", "error", "capture")
    actions = ["retry"]
    show_full_result_count = False

    def get_queryset(self, request):
        return audit_quarantine_list()

    @admin.display(description="table")
    def table_name(self, obj):
        return obj.table_name

    @admin.display(description="action")
    def capture_action(self, obj):
        return obj.action

    @admin.display(description="events")
    def events(self, obj):
        return obj.events

    @admin.display(description="moved into the trail", empty_value="not yet")
    def moved_at(self, obj):
        return obj.moved_at

    def has_retry_permission(self, request):
        return request.user.has_perm("auditing.retry_quarantinedcapture")

    @admin.action(
        description="Move the selected captures into the trail again",
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        result = audit_quarantine_retry(
            ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        if result.moved:
            self.message_user(
                request,
                f"Moved into the trail: {', '.join(map(str, result.moved))}.",
                messages.SUCCESS,
            )
        for capture, error in sorted(result.refused.items()):
            self.message_user(
                request, f"Capture {capture} still refused: {error}", messages.ERROR
            )
        if not result.moved and not result.refused:
            self.message_user(
                request, "The selected captures were moved before.", messages.INFO
            )


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

    def get_urls(self):
        return [
            path(
                "db-health/",
                self.admin_site.admin_view(self.db_health_view),
                name="auditing_db_health",
            ),
            *super().get_urls(),
        ]

    def db_health_view(self, request):
        """The database's figures (db_health), for superusers: statements may show data."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/auditing/db_health.html",
            {
                **self.admin_site.each_context(request),
                "title": "Database health",
                "health": db_health(limit=15),
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Run the selected runs' jobs again now")
    def run_now(self, request, queryset):
        load_all_jobs()
        names = sorted(set(queryset.values_list("job", flat=True)))
        for name in names:
            if name in JOBS:
                job_enqueue(name, trigger="manual")
        self.message_user(request, f"Queued: {', '.join(names)}.", messages.SUCCESS)

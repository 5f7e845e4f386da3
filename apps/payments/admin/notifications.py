"""The gateway's notifications, read-only: what arrived, when, and what applying it did.

Staff with the `apply_gatewaynotification` permission may apply unprocessed ones at once
(the list action), as the retry job would a minute later.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ReadOnlyAdminMixin,
)

from .. import selectors, services
from ..errors import PaymentError
from ..gateway import gateway_get
from ..models import GatewayNotification
from ..notifications import SCHEMAS

Outcome = GatewayNotification.Outcome


class ValuesFilter(admin.SimpleListFilter):
    """A filter over known values of one column, without counts; any other value shows
    everything (nothing unchecked reaches the database)."""

    column = ""

    def queryset(self, request, queryset):
        if self.value() in dict(self.lookup_choices):
            return queryset.filter(**{self.column: self.value()})
        return queryset


class ProcessedFilter(admin.SimpleListFilter):
    title = "processed"
    parameter_name = "processed"

    def lookups(self, request, model_admin):
        return [("no", "Unprocessed"), ("yes", "Processed")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(processed_at__isnull=self.value() == "no")
        return queryset


class OutcomeFilter(ValuesFilter):
    title = "outcome"
    parameter_name = column = "outcome"

    def lookups(self, request, model_admin):
        return Outcome.choices


class TypeFilter(ValuesFilter):
    """The types the shop applies; others are found under the outcome "ignored"."""

    title = "type"
    parameter_name = column = "type"

    def lookups(self, request, model_admin):
        return [(kind, kind) for kind in SCHEMAS]


class GatewayFilter(ValuesFilter):
    """The configured gateway (no DISTINCT over the whole table for the others)."""

    title = "gateway"
    parameter_name = column = "gateway"

    def lookups(self, request, model_admin):
        name = gateway_get().name
        return [(name, name)]


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "gateway",
        "type",
        "event_id",
        "outcome_shown",
        "processed_at",
        "short_error",
    )
    list_display_links = ("event_id",)
    list_filter = (ProcessedFilter, OutcomeFilter, TypeFilter, GatewayFilter)
    search_fields = ("event_id",)
    search_help_text = "The gateway's event id, exactly (evt_…)."
    ordering = ("-received_at", "-id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    fields = (
        "gateway",
        "event_id",
        "type",
        "received_at",
        "processed_at",
        "outcome_shown",
        "error",
        "payment_link",
        "payload_pretty",
    )
    readonly_fields = fields
    actions = ["apply_again"]

    @admin.display(description="outcome", ordering="outcome")
    def outcome_shown(self, obj):
        return obj.get_outcome_display() if obj.processed_at else "unprocessed"

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:80]

    @admin.display(description="payload")
    def payload_pretty(self, obj):
        text = json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    @admin.display(description="payment")
    def payment_link(self, obj):
        payment = selectors.notification_payment(obj)
        if payment is None:
            return "—"
        url = reverse("admin:payments_payment_change", args=[payment.pk])
        return format_html(
            '<a href="{}">{}</a> of order {}', url, payment, payment.order.number
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(event_id=term), False

    def has_apply_permission(self, request):
        return request.user.has_perm("payments.apply_gatewaynotification")

    # Not in one transaction: applying runs the payment services' durable transactions, and
    # each notification stands on its own.
    actions_atomic = False

    @admin.action(
        description="Apply the selected unprocessed notifications again now",
        permissions=["apply"],
    )
    def apply_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        pending = GatewayNotification.objects.filter(
            pk__in=ids, processed_at__isnull=True
        ).order_by("pk")
        outcomes: dict[str, int] = {}
        for notification in pending:
            try:
                done = services.notification_apply(
                    notification=notification, actor=request.user
                )
            except PaymentError as exc:
                self.message_user(
                    request,
                    f"{notification.event_id} stays unprocessed: {exc.message}",
                    messages.WARNING,
                )
                continue
            if done:
                label = notification.get_outcome_display().lower()
                outcomes[label] = outcomes.get(label, 0) + 1
        processed = sum(outcomes.values())
        summary = ", ".join(f"{label}: {n}" for label, n in sorted(outcomes.items()))
        self.message_user(
            request,
            f"{processed} notification(s) processed"
            + (f" ({summary})" if summary else "")
            + f"; {len(ids) - processed} left as they were.",
            messages.SUCCESS if processed else messages.INFO,
        )

"""Payments: the record, its buttons (capture, void, refund, dispute), the reconciliation
page and the ledger's CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable

from django.contrib import admin, messages
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.auditing.admin_mixins import CappedCountPaginator, ReadOnlyAdminMixin

from .. import selectors, services
from ..models import (
    Dispute,
    Payment,
    PaymentAttempt,
    PaymentTransaction,
    Refund,
)
from ..services.flows import CAPTURABLE
from .base import Button, ButtonsAdminMixin, ReadOnlyInline, StatusFilter
from .forms import (
    CaptureForm,
    DisputeOpenForm,
    LedgerExportForm,
    RefundForm,
    VoidForm,
)

NUMBER = re.compile(r"^(SO-)?[0-9]{1,12}$", re.IGNORECASE)
UTC = dt.UTC


class LedgerInline(ReadOnlyInline):
    model = PaymentTransaction
    fields = (
        "created_at",
        "kind",
        "outcome",
        "amount",
        "currency",
        "gateway_reference",
        "code",
        "actor_id",
    )
    readonly_fields = fields
    verbose_name_plural = "ledger"


class AttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = (
        "created_at",
        "kind",
        "amount",
        "status",
        "idempotency_key",
        "error",
        "settled_at",
    )
    readonly_fields = fields
    verbose_name_plural = "gateway calls"


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "reason", "note", "actor")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class DisputeInline(ReadOnlyInline):
    model = Dispute
    fields = ("gateway_reference", "amount", "status", "respond_by", "closed_at")
    readonly_fields = fields
    show_change_link = True


class OrderFilter(admin.SimpleListFilter):
    """One order's payments (`?order=<id>`, linked from the order's page)."""

    title = "order"
    parameter_name = "order"

    def _id(self) -> int | None:
        value = self.value()
        ok = value and value.isascii() and value.isdigit() and len(value) < 19
        return int(value) if ok else None

    def lookups(self, request, model_admin):
        if (pk := self._id()) is None:
            return []
        from apps.orders.models import Order

        number = Order.objects.filter(pk=pk).values_list("number", flat=True).first()
        return [(str(pk), number or f"order {pk}")]

    def queryset(self, request, queryset):
        if (pk := self._id()) is not None:
            return queryset.filter(order_id=pk)
        return queryset


def _capture(payment, data, actor):
    services.payment_capture(
        payment=payment,
        amount=data["amount"],
        actor=actor,
        idempotency_key=f"admin-{data['key']}",
    )


def _void(payment, data, actor):
    services.payment_void(
        payment=payment, actor=actor, idempotency_key=f"admin-{data['key']}"
    )


def _refund(payment, data, actor):
    services.payment_refund(
        payment=payment,
        amount=data["amount"],
        reason=data["reason"],
        note=data["note"],
        actor=actor,
        idempotency_key=f"admin-{data['key']}",
    )


def _dispute_open(payment, data, actor):
    dispute = services.dispute_open(
        payment=payment,
        gateway_reference=data["gateway_reference"],
        amount=data["amount"],
        respond_by=data["respond_by"],
        reason=data["reason"],
        actor=actor,
    )
    if data["evidence_notes"]:
        services.dispute_evidence_set(
            dispute=dispute, notes=data["evidence_notes"], actor=actor
        )


def _holds(payment) -> bool:
    return payment.status in CAPTURABLE and payment.capturable > 0


AMOUNT_ERRORS = {
    "capture_too_large": "amount",
    "refund_too_large": "amount",
    "payment_amount_invalid": "amount",
    "dispute_invalid": "amount",
}


@admin.register(Payment)
class PaymentAdmin(ButtonsAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "order_number",
        "created_at",
        "status",
        "amount",
        "captured",
        "refunded",
        "disputed_lost",
        "currency",
    )
    list_select_related = ("order",)
    list_filter = (StatusFilter, OrderFilter)
    search_fields = ("order__number",)
    search_help_text = "An order number (SO-100123) or the gateway's reference."
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    fields = (
        "order_link",
        "status",
        "gateway",
        "gateway_reference",
        "method",
        "currency",
        "amount",
        "authorized",
        "captured",
        "voided",
        "refunded",
        "disputed_lost",
        "capturable",
        "refundable",
        "kept",
        "failure_code",
        "failure_message",
        "created_at",
        "authorized_at",
    )
    readonly_fields = fields
    inlines = [LedgerInline, RefundInline, DisputeInline, AttemptInline]
    change_form_template = "admin/payments/change_form.html"
    change_list_template = "admin/payments/payment/change_list.html"
    summary_template = "admin/payments/payment/summary.html"
    buttons = {
        "capture": Button("Capture", _holds, CaptureForm, _capture, AMOUNT_ERRORS),
        "void": Button("Void", _holds, VoidForm, _void),
        "refund": Button(
            "Refund", lambda p: p.refundable > 0, RefundForm, _refund, AMOUNT_ERRORS
        ),
        "dispute": Button(
            "Record a dispute",
            lambda p: p.kept > 0,
            DisputeOpenForm,
            _dispute_open,
            AMOUNT_ERRORS,
        ),
    }

    @admin.display(description="order", ordering="order__number")
    def order_number(self, obj):
        return obj.order.number

    @admin.display(description="order")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            obj.order.number,
            obj.order.get_status_display(),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "method")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if NUMBER.match(term):
            digits = term.upper().removeprefix("SO-")
            return queryset.filter(order__number=f"SO-{digits}"), False
        return queryset.filter(gateway_reference=term), False

    def get_urls(self):
        return [
            *self.button_urls(),
            path(
                "reconciliation/",
                self.admin_site.admin_view(self.reconciliation_view),
                name="payments_reconciliation",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="payments_ledger_export",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title: str, status=200, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                **context,
            },
            status=status,
        )

    def reconciliation_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        days = selectors.reconciliation(days=30)
        return self._page(
            request,
            "admin/payments/reconciliation.html",
            "Reconciliation, last 30 days",
            days=days,
            differences=sum(1 for day in days if day.difference),
        )

    def export_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        asked = "start" in request.GET or "end" in request.GET
        form = LedgerExportForm(request.GET if asked else None)
        if not asked or not form.is_valid():
            if asked:
                self.message_user(
                    request, "Please correct the dates below.", messages.ERROR
                )
            return self._page(
                request,
                "admin/payments/export.html",
                "Export the ledger (CSV)",
                status=400 if asked else 200,
                form=form,
            )
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        response = StreamingHttpResponse(
            _csv_lines(selectors.ledger_rows(start=start, end=end)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="ledger-{start}-{end}.csv"'
        )
        return response


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"  # a spreadsheet would run it as a formula
    return value


def _csv_lines(rows: Iterable[tuple]):
    writer = csv.writer(_Echo())
    yield writer.writerow(selectors.LEDGER_COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])

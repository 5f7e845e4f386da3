"""Disputes (evidence, close won or lost) and saved cards (switched off, never edited)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from apps.auditing.admin_mixins import CappedCountPaginator, ReadOnlyAdminMixin

from .. import services
from ..models import Dispute, PaymentMethod
from .base import Button, ButtonsAdminMixin, StatusFilter
from .forms import ConfirmForm, EvidenceForm


def _close(won: bool):
    def run(dispute, data, actor):
        services.dispute_close(dispute=dispute, won=won, actor=actor)

    return run


def _evidence(dispute, data, actor):
    services.dispute_evidence_set(dispute=dispute, notes=data["notes"], actor=actor)


class DisputeStatusFilter(StatusFilter):
    choices_of = Dispute.Status


@admin.register(Dispute)
class DisputeAdmin(ButtonsAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "gateway_reference",
        "order_number",
        "amount",
        "status",
        "respond_by",
        "opened_at",
        "closed_at",
    )
    list_select_related = ("payment__order",)
    list_filter = (DisputeStatusFilter,)
    search_fields = ("=gateway_reference",)
    ordering = ("-opened_at", "-id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = (
        "payment_link",
        "gateway_reference",
        "amount",
        "reason",
        "status",
        "evidence_notes",
        "opened_at",
        "respond_by",
        "closed_at",
    )
    readonly_fields = fields
    change_form_template = "admin/payments/change_form.html"
    summary_template = "admin/payments/dispute/summary.html"
    buttons = {
        "evidence": Button(
            "Evidence notes",
            lambda d: d.status == Dispute.Status.OPENED,
            EvidenceForm,
            _evidence,
        ),
        "won": Button(
            "Close: won",
            lambda d: d.status in (Dispute.Status.OPENED, Dispute.Status.LOST),
            ConfirmForm,
            _close(won=True),
        ),
        "lost": Button(
            "Close: lost",
            lambda d: d.status == Dispute.Status.OPENED,
            ConfirmForm,
            _close(won=False),
        ),
    }

    @admin.display(description="order", ordering="payment__order__number")
    def order_number(self, obj):
        return obj.payment.order.number

    @admin.display(description="payment")
    def payment_link(self, obj):
        url = reverse("admin:payments_payment_change", args=[obj.payment_id])
        return format_html(
            '<a href="{}">{}</a> of order {}',
            url,
            obj.payment,
            obj.payment.order.number,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment__order")

    def get_urls(self):
        return [*self.button_urls(), *super().get_urls()]


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Saved cards, read-only (the token is never shown); switching one off is the action."""

    list_display = (
        "customer",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "gateway",
        "is_active",
        "created_at",
    )
    list_select_related = ("customer",)
    list_filter = ("is_active",)
    search_fields = ("=customer__email", "=last4")
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = (
        "customer",
        "gateway",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "is_active",
        "created_at",
        "deactivated_at",
    )
    readonly_fields = fields
    actions = ["deactivate"]

    def has_change_permission(self, request, obj=None):
        # Switching a card off is the one change (the action); the rows stay as written.
        return request.user.has_perm("payments.change_paymentmethod") and obj is None

    def save_model(self, request, obj, form, change):
        pass  # no form saves a card: switching it off is the action's service

    @admin.action(description="Switch the selected cards off", permissions=["change"])
    def deactivate(self, request, queryset):
        count = 0
        for method in queryset.filter(is_active=True).order_by("pk"):
            services.payment_method_deactivate(method=method, actor=request.user)
            count += 1
        self.message_user(request, f"{count} card(s) switched off.", messages.SUCCESS)

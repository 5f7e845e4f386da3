"""Back office for orders: every change is a service behind a button, never a raw edit.

An order's page shows its lines, history, shipments, notes and outbox events; the buttons
offered are the moves `TRANSITIONS` allows from its status (mark paid, ship, deliver, cancel,
return) and adding a note. Lists stay fast at hundreds of thousands of orders: no full
COUNT, filters backed by indexes, search by exact number or email.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    ShopErrorAdminMixin,
    ShopTabularInline,
)
from apps.auditing.errors import ShopError

from . import outbox, selectors, services
from .models import (
    Fulfilment,
    Order,
    OrderLine,
    OrderNote,
    OrderStatusChange,
    OutboxEvent,
    ShippingMethod,
    Status,
    WebhookEndpoint,
)

NUMBER = re.compile(r"^(SO-)?[0-9]{1,12}$", re.IGNORECASE)


class ReadOnlyInline(ShopTabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "product_name",
        "options",
        "quantity",
        "unit_price",
        "discount",
        "tax_rate",
        "tax",
        "line_total",
    )
    readonly_fields = fields


class StatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = ("changed_at", "from_status", "to_status", "actor_id", "note")
    readonly_fields = fields
    verbose_name_plural = "status history"


class NoteInline(ReadOnlyInline):
    model = OrderNote
    fields = ("created_at", "author", "customer_visible", "body")
    readonly_fields = fields


class FulfilmentInline(ReadOnlyInline):
    model = Fulfilment
    fields = (
        "shipped_at",
        "carrier",
        "tracking_number",
        "status",
        "delivered_at",
        "items",
    )
    readonly_fields = fields

    @admin.display(description="items")
    def items(self, obj):
        return ", ".join(
            f"{line.quantity} × {line.order_line.sku}"
            for line in obj.lines.select_related("order_line")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    body = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    customer_visible = forms.BooleanField(
        required=False, help_text="Show this note to the customer on their order page."
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=60)
    tracking_number = forms.CharField(max_length=80, required=False)

    def __init__(self, *args, lines=(), left=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if left[line.pk] > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} {line.product_name}",
                min_value=0,
                max_value=left[line.pk],
                initial=left[line.pk],
                help_text=f"{left[line.pk]} of {line.quantity} left to ship",
            )

    def clean(self):
        data = super().clean()
        if self.lines and not any(data.get(f"line_{line.pk}") for line in self.lines):
            raise forms.ValidationError("Ship at least one unit.")
        return data

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


# Each button: (label, the status it needs, form, service call).
ACTIONS = {
    "pay": ("Mark paid", (Status.PENDING,), ReasonForm),
    "ship": ("Ship", (Status.PAID, Status.PARTIALLY_FULFILLED), ShipForm),
    "deliver": ("Mark delivered", (Status.SHIPPED,), None),
    "cancel": ("Cancel", (Status.PENDING, Status.PAID), ReasonForm),
    "return": ("Mark returned", (Status.DELIVERED,), ReasonForm),
    "note": ("Add a note", tuple(Status.values), NoteForm),
}


class StatusFilter(admin.SimpleListFilter):
    """Status, with the counts left out: a filter never counts a big table."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() in Status.values:
            return queryset.filter(status=self.value())
        return queryset


class CustomerFilter(admin.SimpleListFilter):
    """One customer's orders (`?customer=<id>`, linked from the order page); never lists
    all customers, which a big shop has too many of."""

    title = "customer"
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) < 19:
            email = (
                model_admin.model.customer.field.related_model._base_manager.filter(
                    pk=int(value)
                )
                .values_list("email", flat=True)
                .first()
            )
            return [(value, email or f"customer {value}")]
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) < 19:
            return queryset.filter(customer_id=int(value))
        return queryset


@admin.register(Order)
class OrderAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "placed_at",
        "email",
        "status",
        "item_count",
        "total",
        "currency",
    )
    list_filter = (StatusFilter, "placed_at", CustomerFilter)
    search_fields = ("number", "email")
    search_help_text = "An order number (SO-100123) or a customer's exact email."
    date_hierarchy = None
    ordering = ("-placed_at", "-id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    readonly_fields = (
        "number",
        "status",
        "customer_orders",
        "email",
        "placed_at",
        "expires_at",
        "paid_at",
        "closed_at",
        "currency",
        "subtotal",
        "discount",
        "tax",
        "shipping",
        "total",
        "item_count",
        "shipping_method_name",
        "shipping_address_text",
        "billing_address_text",
        "outbox_events",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "customer_orders", "email")}),
        ("Dates", {"fields": ("placed_at", "expires_at", "paid_at", "closed_at")}),
        (
            "Money",
            {
                "fields": (
                    "currency",
                    "subtotal",
                    "discount",
                    "tax",
                    "shipping",
                    "total",
                    "item_count",
                )
            },
        ),
        (
            "Delivery",
            {
                "fields": (
                    "shipping_method_name",
                    "shipping_address_text",
                    "billing_address_text",
                )
            },
        ),
        ("Events sent to other systems", {"fields": ("outbox_events",)}),
    )
    inlines = [LineInline, FulfilmentInline, StatusChangeInline, NoteInline]
    change_form_template = "admin/orders/order/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if NUMBER.match(term):
            digits = term.upper().removeprefix("SO-")
            return queryset.filter(number=f"SO-{digits}"), False
        # The index on lower(email) answers this; a substring search would scan.
        return queryset.annotate(email_lower=Lower("email")).filter(
            email_lower=term.lower()
        ), False

    def has_add_permission(self, request):
        return False  # orders are placed by customers (order_place)

    def save_model(self, request, obj, form, change):
        pass  # every field is read-only: an order changes through its buttons (services)

    def save_formset(self, request, form, formset, change):
        # The inlines are read-only too: nothing to save, nothing to report.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted

    @admin.display(description="customer")
    def customer_orders(self, obj):
        if obj.customer_id is None:
            return "guest"
        url = reverse("admin:orders_order_changelist")
        return format_html(
            '{} (<a href="{}?customer={}">all their orders</a>)',
            obj.customer,
            url,
            obj.customer_id,
        )

    @admin.display(description="shipping address")
    def shipping_address_text(self, obj):
        return _address(obj.shipping_address)

    @admin.display(description="billing address")
    def billing_address_text(self, obj):
        return _address(obj.billing_address)

    @admin.display(description="outbox events")
    def outbox_events(self, obj):
        events = OutboxEvent.objects.filter(
            aggregate_type="order", aggregate_id=obj.number
        ).order_by("id")
        url = reverse("admin:orders_outboxevent_changelist")
        return (
            format_html_join(
                "",
                '<div><a href="{}?q={}">{}</a> {} ({} attempts){}</div>',
                (
                    (
                        url,
                        e.event_id,
                        e.topic,
                        e.get_status_display(),
                        e.attempts,
                        f": {e.last_error[:120]}" if e.last_error else "",
                    )
                    for e in events
                ),
            )
            or "—"
        )

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="orders_dashboard",
            ),
            path(
                "<int:object_id>/do/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="orders_order_do",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        board = selectors.sales_dashboard()
        top = max((d.revenue for d in board.days), default=Decimal("0")) or Decimal("1")
        bars = [
            {
                "day": d.day,
                "revenue": d.revenue,
                "orders": d.orders,
                "x": i * 20,
                "height": int(d.revenue / top * 160),
                "y": 170 - int(d.revenue / top * 160),
            }
            for i, d in enumerate(board.days)
        ]
        changelist = reverse("admin:orders_order_changelist")
        return TemplateResponse(
            request,
            "admin/orders/dashboard.html",
            {
                **self.admin_site.each_context(request),
                "title": "Sales dashboard",
                "board": board,
                "bars": bars,
                "pending_url": f"{changelist}?status=pending",
                "alerts_url": reverse("admin:inventory_lowstockalert_changelist")
                + "?cleared_at__isempty=1",
                "dead_url": reverse("admin:orders_outboxevent_changelist")
                + "?status=dead",
                "opts": self.model._meta,
            },
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["order_actions"] = [
                (name, label, reverse("admin:orders_order_do", args=[obj.pk, name]))
                for name, (label, needs, _form) in ACTIONS.items()
                if obj.status in needs
            ]
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _form(self, name: str, order: Order, data=None):
        form_class = ACTIONS[name][2]
        if form_class is ShipForm:
            shipped = services.order_shipped_quantities(order)
            lines = list(order.lines.all())
            left = {line.pk: line.quantity - shipped[line.pk] for line in lines}
            return ShipForm(data, lines=lines, left=left)
        return form_class(data) if form_class else None

    def _run(self, name: str, order: Order, form, actor):
        data = form.cleaned_data if form is not None else {}
        if name == "pay":
            services.order_pay_by_hand(order=order, actor=actor, note=data["reason"])
        elif name == "ship":
            services.fulfilment_create(
                order=order,
                quantities=form.quantities(),
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                actor=actor,
            )
        elif name == "deliver":
            services.order_deliver(order=order, actor=actor)
        elif name == "cancel":
            services.order_cancel(order=order, actor=actor, reason=data["reason"])
        elif name == "return":
            services.order_return(order=order, actor=actor, reason=data["reason"])
        elif name == "note":
            services.order_note_add(
                order=order,
                body=data["body"],
                customer_visible=data["customer_visible"],
                actor=actor,
            )

    def action_view(self, request, object_id: int, action: str):
        order = get_object_or_404(Order, pk=object_id)
        if action not in ACTIONS or not self.has_change_permission(request, order):
            return HttpResponseRedirect(
                reverse("admin:orders_order_change", args=[order.pk])
            )
        label, needs, _form = ACTIONS[action]
        back = reverse("admin:orders_order_change", args=[order.pk])
        if order.status not in needs:
            self.message_user(
                request,
                f"{label}: not possible while the order is {order.get_status_display().lower()}.",
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        form = self._form(
            action, order, request.POST if request.method == "POST" else None
        )
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                self._run(action, order, form, request.user)
            except ShopError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"{label}: done.", messages.SUCCESS)
            return HttpResponseRedirect(back)
        return TemplateResponse(
            request,
            "admin/orders/order/action.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{label}: order {order.number}",
                "order": order,
                "form": form,
                "label": label,
                "opts": self.model._meta,
                "original": order,
                "back": back,
            },
            status=400 if form is not None and form.errors else 200,
        )


def _address(address: dict) -> str:
    parts = [
        address.get("full_name"),
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        " ".join(p for p in (address.get("postal_code"), address.get("city")) if p),
        address.get("region"),
        address.get("country"),
        address.get("phone"),
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts if p))


@admin.register(ShippingMethod)
class ShippingMethodAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "price", "free_above", "currency", "is_active", "position")
    list_editable = ("is_active", "position")
    save_service = staticmethod(services.shipping_method_save)
    delete_service = staticmethod(services.shipping_method_delete)
    service_arg = "method"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("url", "topics", "is_active", "created_at")
    save_service = staticmethod(services.webhook_endpoint_save)
    delete_service = staticmethod(services.webhook_endpoint_delete)
    service_arg = "endpoint"


class OutboxStatusFilter(StatusFilter):
    def lookups(self, request, model_admin):
        return OutboxEvent.Status.choices

    def queryset(self, request, queryset):
        if self.value() in OutboxEvent.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "topic",
        "aggregate_id",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    )
    list_filter = (OutboxStatusFilter, "topic")
    search_fields = ("=aggregate_id", "=event_id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["retry"]
    readonly_fields = ("payload_pretty", "delivered_to")

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.display(description="payload")
    def payload_pretty(self, obj):
        import json

        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2))

    @admin.display(description="delivered to")
    def delivered_to(self, obj):
        return ", ".join(obj.deliveries.values_list("target", flat=True)) or "—"

    def has_change_permission(self, request, obj=None):
        # Retrying is the one change staff make (the action); the rows stay as written.
        return request.user.has_perm("orders.change_outboxevent") and obj is None

    def save_model(self, request, obj, form, change):
        pass  # no form saves an event: retrying is the action's service

    @admin.action(description="Retry the selected dead events", permissions=["change"])
    def retry(self, request, queryset):
        count = outbox.outbox_retry(
            event_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request, f"{count} dead event(s) queued again.", messages.SUCCESS
        )

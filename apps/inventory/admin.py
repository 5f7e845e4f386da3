"""Back office for stock: every change of quantities goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.template.response import TemplateResponse

from apps.auditing.admin import ReadOnlyAdminMixin

from . import services
from .errors import InventoryError
from .models import (
    LowStockAlert,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
    Warehouse,
)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "priority", "is_active")
    list_editable = ("priority", "is_active")
    search_fields = ("code", "name")


class MovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "kind",
        "quantity",
        "reason",
        "reference_type",
        "reference_id",
        "actor_id",
    )
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    max_num = 0


class AdjustForm(forms.Form):
    quantity = forms.IntegerField(
        help_text="Signed: -3 removes three units, 5 adds five."
    )
    reason = forms.CharField(
        max_length=200, help_text="Required: why the count changes."
    )

    def clean_quantity(self):
        if self.cleaned_data["quantity"] == 0:
            raise forms.ValidationError("The change cannot be zero.")
        return self.cleaned_data["quantity"]


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = (
        "variant",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "reorder_point",
        "updated_at",
    )
    list_filter = ("warehouse",)
    search_fields = ("variant__sku", "variant__product__name")
    list_select_related = ("variant", "warehouse")
    autocomplete_fields = ("variant",)
    readonly_fields = ("on_hand", "reserved")
    inlines = [MovementInline]
    actions = ["adjust_stock"]

    @admin.display(description="available", ordering=F("on_hand") - F("reserved"))
    def available(self, obj):
        return obj.on_hand - obj.reserved

    @admin.action(description="Adjust stock (with a reason)", permissions=["change"])
    def adjust_stock(self, request, queryset):
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for stock in queryset.order_by("pk"):
                try:
                    services.stock_adjust(
                        stock=stock,
                        quantity=form.cleaned_data["quantity"],
                        reason=form.cleaned_data["reason"],
                        actor_id=request.user.pk,
                    )
                    done += 1
                except InventoryError as exc:
                    self.message_user(
                        request, f"{stock}: {exc.message}", messages.ERROR
                    )
            if done:
                self.message_user(
                    request, f"Adjusted {done} stock row(s).", messages.SUCCESS
                )
            return None
        return TemplateResponse(
            request,
            "admin/inventory/adjust.html",
            {
                **self.admin_site.each_context(request),
                "title": "Adjust stock",
                "form": form,
                "rows": queryset.order_by("pk"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
            status=400 if form.errors else 200,
        )

    def has_add_permission(self, request):
        return False  # stock rows appear with the first receipt

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "stock",
        "kind",
        "quantity",
        "reason",
        "reference_type",
        "reference_id",
        "actor_id",
    )
    list_filter = ("kind",)
    search_fields = ("stock__variant__sku", "reference_id", "reason")
    list_select_related = ("stock__variant", "stock__warehouse")
    show_full_result_count = False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "stock",
        "quantity",
        "owner_type",
        "owner_id",
        "customer_id",
        "status",
        "expires_at",
    )
    list_filter = ("status", "owner_type")
    search_fields = ("owner_id", "stock__variant__sku")
    list_select_related = ("stock__variant", "stock__warehouse")
    readonly_fields = [f.name for f in Reservation._meta.fields]
    actions = ["release"]
    show_full_result_count = False

    @admin.action(
        description="Release the selected active reservations", permissions=["change"]
    )
    def release(self, request, queryset):
        ids = list(queryset.filter(status="active").values_list("pk", flat=True))
        if ids:
            services.reservation_release(reservation_ids=ids)
        self.message_user(
            request, f"Released {len(ids)} reservation(s).", messages.SUCCESS
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LowStockAlert)
class LowStockAlertAdmin(admin.ModelAdmin):
    list_display = (
        "stock",
        "available_at_raise",
        "reorder_point",
        "raised_at",
        "cleared_at",
    )
    list_filter = (("cleared_at", admin.EmptyFieldListFilter),)
    list_select_related = ("stock__variant", "stock__warehouse")
    readonly_fields = (
        "stock",
        "available_at_raise",
        "reorder_point",
        "raised_at",
        "cleared_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "contact_name", "email", "lead_time_days")
    search_fields = ("name", "contact_name", "email")


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 1
    autocomplete_fields = ("variant",)


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "supplier",
        "warehouse",
        "status",
        "expected_date",
        "received_at",
    )
    list_filter = ("status", "warehouse", "supplier")
    list_select_related = ("supplier", "warehouse")
    inlines = [PurchaseOrderLineInline]
    readonly_fields = ("received_at",)
    actions = ["mark_ordered", "receive"]

    @admin.action(description="Mark as ordered", permissions=["change"])
    def mark_ordered(self, request, queryset):
        count = queryset.filter(status="draft").update(status="ordered")
        self.message_user(
            request, f"{count} purchase order(s) ordered.", messages.SUCCESS
        )

    @admin.action(description="Receive the goods into stock", permissions=["change"])
    def receive(self, request, queryset):
        for po in queryset.order_by("pk"):
            try:
                movements = services.purchase_order_receive(
                    purchase_order=po, actor_id=request.user.pk
                )
                self.message_user(
                    request,
                    f"{po}: {len(movements)} receipt(s) written.",
                    messages.SUCCESS,
                )
            except InventoryError as exc:
                self.message_user(request, f"{po}: {exc.message}", messages.ERROR)

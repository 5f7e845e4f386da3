"""Back office for stock: every change goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import F, Q
from django.template.response import TemplateResponse
from django.utils.text import Truncator

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    ShopErrorAdminMixin,
    ShopTabularInline,
    inline_save,
    search_all_words,
)
from apps.auditing.expressions import AnyOf
from apps.auditing.formfields import integer_field_for
from apps.catalog.models import ProductVariant
from apps.catalog.selectors import variant_matches

from . import services
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
class WarehouseAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "priority", "is_active")
    list_editable = ("priority", "is_active")
    search_fields = ("code", "name")

    save_service = staticmethod(services.warehouse_save)
    delete_service = staticmethod(services.warehouse_delete)
    service_arg = "warehouse"


class MovementInline(ShopTabularInline):
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

    def get_queryset(self, request):  # each row's name shows its stock row
        return (
            super()
            .get_queryset(request)
            .select_related("stock__variant", "stock__warehouse")
        )

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is written by the services only


def stock_matches(word: str) -> AnyOf:
    """A stock row whose variant's SKU or product's name holds the word: the variants'
    ids (catalog's indexed search) looked up in the index on variant_id, no join."""
    variants = ProductVariant.all_objects.filter(variant_matches(word)).values("pk")
    return AnyOf("variant_id", variants)


def movement_matches(word: str) -> Q:
    """A movement with this reference id, or of a stock row whose SKU holds the word."""
    skus = ProductVariant.all_objects.filter(sku__icontains=word).values("pk")
    stocks = Stock.objects.filter(AnyOf("variant_id", skus)).values("pk")
    return Q(reference_id=word) | AnyOf("stock_id", stocks)


def reservation_matches(word: str) -> Q:
    """A reservation of this owner (an order's or cart's id), or of a SKU holding the word."""
    skus = ProductVariant.all_objects.filter(sku__icontains=word).values("pk")
    stocks = Stock.objects.filter(AnyOf("variant_id", skus)).values("pk")
    return Q(owner_id=word) | AnyOf("stock_id", stocks)


class AdjustForm(forms.Form):
    # Bounded by the ledger's column: 2³¹ units is a form error, not a database error.
    quantity = integer_field_for(
        StockMovement._meta.get_field("quantity"),
        help_text="Signed: -3 removes three units, 5 adds five.",
    )
    reason = forms.CharField(
        max_length=200, help_text="Required: why the count changes."
    )

    def clean_quantity(self):
        if self.cleaned_data["quantity"] == 0:
            raise forms.ValidationError("The change cannot be zero.")
        return self.cleaned_data["quantity"]


@admin.register(Stock)
class StockAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    # Narrow columns, so the list fits the page: the SKU, what it is, where it is, counts.
    list_display = (
        "sku",
        "item",
        "warehouse_code",
        "on_hand",
        "reserved",
        "available",
        "reorder_point",
    )
    list_display_links = ("sku",)
    list_filter = ("warehouse",)
    search_fields = ("variant__sku", "variant__product__name")  # get_search_results
    search_help_text = "(Part of) a SKU or of its product's name."
    list_select_related = ("variant__product", "warehouse")
    # Newest variants first, straight from the index inventory_stock_unique: the model's
    # order (by variant, i.e. by product) would sort every row joined to its product.
    ordering = ("-variant_id", "-warehouse_id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink
    fields = (
        "variant",
        "warehouse",
        "on_hand",
        "reserved",
        "reorder_point",
        "reorder_quantity",
    )
    # A stock row belongs to one variant in one warehouse for good; quantities move
    # through the ledger (the adjust action), reorder levels through this form.
    readonly_fields = ("variant", "warehouse", "on_hand", "reserved")
    inlines = [MovementInline]
    actions = ["adjust_stock"]

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, stock_matches), False

    @admin.display(description="SKU", ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.sku

    @admin.display(description="item")
    def item(self, obj):
        name = Truncator(obj.variant.product.name).chars(48)
        return f"{name} · {obj.variant.name}" if obj.variant.name else name

    @admin.display(description="warehouse", ordering="warehouse__code")
    def warehouse_code(self, obj):
        return obj.warehouse.code.upper()

    @admin.display(description="available", ordering=F("on_hand") - F("reserved"))
    def available(self, obj):
        return obj.on_hand - obj.reserved

    def save_model(self, request, obj, form, change):
        services.stock_reorder_set(
            stock=obj,
            reorder_point=form.cleaned_data["reorder_point"],
            reorder_quantity=form.cleaned_data["reorder_quantity"],
            actor=request.user,
        )

    def save_formset(self, request, form, formset, change):
        # The movements shown are read-only: nothing to save, nothing to report.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )

    @admin.action(description="Adjust stock (with a reason)", permissions=["change"])
    def adjust_stock(self, request, queryset):
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            rows = list(queryset.order_by("pk"))
            for stock in rows:
                services.stock_adjust(
                    stock=stock,
                    quantity=form.cleaned_data["quantity"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            self.message_user(
                request, f"Adjusted {len(rows)} stock row(s).", messages.SUCCESS
            )
            return None
        return TemplateResponse(
            request,
            "admin/inventory/adjust.html",
            {
                **self.admin_site.each_context(request),
                "title": "Adjust stock",
                "form": form,
                "rows": queryset.select_related("variant", "warehouse").order_by("pk"),
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
    search_fields = ("=reference_id", "stock__variant__sku")  # get_search_results
    search_help_text = "A reference id (an order line's, a purchase order's) or a SKU."
    list_select_related = ("stock__variant", "stock__warehouse")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, movement_matches), False


@admin.register(Reservation)
class ReservationAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
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
    search_fields = ("=owner_id", "stock__variant__sku")  # get_search_results
    search_help_text = "An owner's id (an order's, a cart's) or a SKU."
    list_select_related = ("stock__variant", "stock__warehouse")
    readonly_fields = [f.name for f in Reservation._meta.fields]
    actions = ["release"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, reservation_matches), False

    @admin.action(
        description="Release the selected active reservations", permissions=["change"]
    )
    def release(self, request, queryset):
        ids = list(queryset.filter(status="active").values_list("pk", flat=True))
        if ids:
            services.reservation_release(reservation_ids=ids, actor=request.user)
        self.message_user(
            request, f"Released {len(ids)} reservation(s).", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        pass  # every field is read-only: reservations change through the actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raised and cleared by the database as stock moves."""

    list_display = (
        "stock",
        "available_at_raise",
        "reorder_point",
        "raised_at",
        "cleared_at",
    )
    list_filter = (("cleared_at", admin.EmptyFieldListFilter),)
    list_select_related = ("stock__variant", "stock__warehouse")
    # One alert per stock row that ever ran low: as big as the stock table.
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50


@admin.register(Supplier)
class SupplierAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "contact_name", "email", "lead_time_days")
    search_fields = ("name", "contact_name", "email")

    save_service = staticmethod(services.supplier_save)
    delete_service = staticmethod(services.supplier_delete)
    service_arg = "supplier"


class PurchaseOrderLineInline(ShopTabularInline):
    model = PurchaseOrderLine
    extra = 1
    autocomplete_fields = ("variant",)

    def get_queryset(self, request):  # each row's name shows its SKU
        return super().get_queryset(request).select_related("variant")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
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
    # The status moves only through the actions (receiving writes the stock receipts).
    readonly_fields = ("status", "created_at", "received_at")
    actions = ["mark_ordered", "receive", "cancel"]

    def save_model(self, request, obj, form, change):
        saved = services.purchase_order_save(purchase_order=obj, actor=request.user)
        obj.pk, obj.status = saved.pk, saved.status

    def save_formset(self, request, form, formset, change):
        inline_save(
            formset,
            save=lambda inline_form: services.purchase_order_line_save(
                line=inline_form.instance, actor=request.user
            ),
            delete=lambda line: services.purchase_order_line_delete(
                line=line, actor=request.user
            ),
        )

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the order stays on record

    def _each(self, request, queryset, service, done: str):
        rows = list(queryset.order_by("pk"))
        for po in rows:
            service(purchase_order=po, actor=request.user)
        self.message_user(
            request, f"{len(rows)} purchase order(s) {done}.", messages.SUCCESS
        )

    @admin.action(description="Mark as ordered", permissions=["change"])
    def mark_ordered(self, request, queryset):
        self._each(request, queryset, services.purchase_order_mark_ordered, "ordered")

    @admin.action(description="Receive the goods into stock", permissions=["change"])
    def receive(self, request, queryset):
        self._each(request, queryset, services.purchase_order_receive, "received")

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request, queryset):
        self._each(request, queryset, services.purchase_order_cancel, "cancelled")

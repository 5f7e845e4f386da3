"""Variants with their prices, promotions and tier prices."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin import SoftDeleteAdminMixin

from .. import services
from ..forms import (
    PromotionInlineForm,
    PromotionInlineFormSet,
    VariantAdminForm,
)
from ..models import (
    Price,
    ProductVariant,
    PromotionalPrice,
    TierPrice,
)
from .base import (
    VARIANT_PLAIN_FIELDS,
    CatalogAdminMixin,
    adopt,
    changed_fields,
)


class PriceInline(admin.TabularInline):
    model = Price
    fields = ("currency", "amount")
    extra = 0


class PromotionInline(admin.TabularInline):
    model = PromotionalPrice
    form = PromotionInlineForm
    formset = PromotionInlineFormSet
    extra = 0


class TierInline(admin.TabularInline):
    model = TierPrice
    fields = ("currency", "min_quantity", "amount")
    extra = 0


@admin.register(ProductVariant)
class ProductVariantAdmin(CatalogAdminMixin, SoftDeleteAdminMixin, SimpleHistoryAdmin):
    form = VariantAdminForm
    list_display = ("sku", "name", "product", "is_active", "in_stock", "position")
    list_filter = ("is_active", "in_stock")
    list_select_related = ("product",)
    search_fields = ("sku", "product__name")
    autocomplete_fields = ("product", "option_values")
    readonly_fields = ("in_stock", "created_at")
    inlines = [PriceInline, PromotionInline, TierInline]
    history_list_display = ["sku", "name", "is_active"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.variant_create(
                product=data["product"],
                sku=data["sku"],
                name=data["name"],
                weight_grams=data["weight_grams"],
                is_active=data["is_active"],
                position=data["position"],
            )
            adopt(obj, saved)
            return
        current = ProductVariant.all_objects.get(pk=obj.pk)
        fields = changed_fields(current, obj, [*VARIANT_PLAIN_FIELDS, "product_id"])
        if fields:
            # No variant-update service: a plain save keeps history and audit trail.
            obj.save(update_fields=[f.removesuffix("_id") for f in fields])
            services.product_min_price_refresh(*{current.product_id, obj.product_id})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.product_min_price_refresh(obj.product_id)

    def delete_queryset(self, request, queryset):
        product_ids = set(queryset.values_list("product_id", flat=True))
        super().delete_queryset(request, queryset)
        services.product_min_price_refresh(*product_ids)

    def save_formset(self, request, form, formset, change):
        variant = form.instance
        savers = {
            Price: self._save_prices,
            PromotionalPrice: self._save_promotions,
            TierPrice: self._save_tiers,
        }
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for inline_form in formset.forms:
            row = inline_form.instance
            if formset._should_delete_form(inline_form):
                if row.pk:
                    # No delete service for prices: a plain delete (audited by trigger).
                    row.delete()
                    formset.deleted_objects.append(row)
                continue
            if not inline_form.has_changed():
                continue
            saved = savers[formset.model](variant, row, inline_form.cleaned_data)
            if row.pk is None:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, inline_form.changed_data))
        if formset.model is Price:
            services.product_min_price_refresh(variant.product_id)

    def _save_prices(self, variant, row, data):
        if row.pk and row.currency != Price.objects.get(pk=row.pk).currency:
            Price.objects.filter(pk=row.pk).delete()
        return services.price_set(
            variant=variant, amount=data["amount"], currency=data["currency"]
        )

    def _save_promotions(self, variant, row, data):
        if row.pk:
            # The service is the only writer that turns an overlap into PromotionOverlap,
            # so a changed promotion is replaced rather than updated in place.
            PromotionalPrice.objects.filter(pk=row.pk).delete()
        return services.promotion_add(
            variant=variant,
            amount=data["amount"],
            currency=data["currency"],
            start=data["valid_during"].lower,
            end=data["valid_during"].upper,
            label=data.get("label", ""),
        )

    def _save_tiers(self, variant, row, data):
        if row.pk:
            TierPrice.objects.filter(pk=row.pk).delete()
        return services.tier_set(
            variant=variant,
            min_quantity=data["min_quantity"],
            amount=data["amount"],
            currency=data["currency"],
        )

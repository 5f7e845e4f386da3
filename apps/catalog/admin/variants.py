"""Variants with their prices, promotions and tier prices."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ShopTabularInline,
    inline_save,
    search_all_words,
)

from .. import selectors, services
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
    CatalogAdminMixin,
    adopt,
)


class PriceInline(ShopTabularInline):
    model = Price
    fields = ("currency", "amount")
    extra = 0


class PromotionInline(ShopTabularInline):
    model = PromotionalPrice
    form = PromotionInlineForm
    formset = PromotionInlineFormSet
    extra = 0


class TierInline(ShopTabularInline):
    model = TierPrice
    fields = ("currency", "min_quantity", "amount")
    extra = 0


@admin.register(ProductVariant)
class ProductVariantAdmin(CatalogAdminMixin, SimpleHistoryAdmin):
    form = VariantAdminForm
    list_display = ("sku", "name", "product", "is_active", "in_stock", "position")
    list_filter = ("is_active", "in_stock")
    # The page's products in one more query, not joined: joined, a search's every
    # match would be joined to its product before the page's 50 are picked.
    list_select_related = ()
    search_fields = ("sku", "product__name")  # see get_search_results
    search_help_text = "(Part of) a SKU or of its product's name."
    # Newest first, from the primary key: the model's order (by product, i.e. the
    # products' own order) would sort every variant joined to its product.
    ordering = ("-id",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink
    autocomplete_fields = ("product", "option_values")
    readonly_fields = ("in_stock", "created_at")
    inlines = [PriceInline, PromotionInline, TierInline]
    history_list_display = ["sku", "name", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("product")

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, selectors.variant_matches), False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in services.VARIANT_FIELDS if k in data}
        option_values = data.get("option_values")
        if change:
            saved = services.variant_update(
                variant=obj,
                option_values=option_values,
                actor=request.user,
                **fields,
            )
        else:
            saved = services.variant_create(
                option_values=option_values or (), actor=request.user, **fields
            )
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # The option values were saved with the variant (no `form.save_m2m()`).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def soft_delete_object(self, request, obj):
        services.variant_delete(variant=obj, actor=request.user)

    def restore_object(self, request, obj):
        services.variant_restore(variant=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        savers = {
            Price: (self._save_price, services.price_delete, "price"),
            PromotionalPrice: (
                self._save_promotion,
                services.promotion_delete,
                "promotion",
            ),
            TierPrice: (self._save_tier, services.tier_delete, "tier"),
        }
        save, delete, noun = savers[formset.model]
        actor = request.user
        inline_save(
            formset,
            save=lambda inline_form: save(inline_form, actor),
            delete=lambda row: delete(**{noun: row, "actor": actor}),
        )

    def _save_price(self, inline_form, actor):
        price, data = inline_form.instance, inline_form.cleaned_data
        if price.pk is None:
            return services.price_set(
                variant=price.variant,
                amount=data["amount"],
                currency=data["currency"],
                actor=actor,
            )
        return services.price_update(
            price=price, amount=data["amount"], currency=data["currency"], actor=actor
        )

    def _save_promotion(self, inline_form, actor):
        promotion, data = inline_form.instance, inline_form.cleaned_data
        window = {
            "amount": data["amount"],
            "currency": data["currency"],
            "start": data["valid_during"].lower,
            "end": data["valid_during"].upper,
            "label": data.get("label", ""),
            "actor": actor,
        }
        if promotion.pk is None:
            return services.promotion_add(variant=promotion.variant, **window)
        return services.promotion_update(promotion=promotion, **window)

    def _save_tier(self, inline_form, actor):
        tier, data = inline_form.instance, inline_form.cleaned_data
        values = {
            "min_quantity": data["min_quantity"],
            "amount": data["amount"],
            "currency": data["currency"],
            "actor": actor,
        }
        if tier.pk is None:
            return services.tier_set(variant=tier.variant, **values)
        return services.tier_update(tier=tier, **values)

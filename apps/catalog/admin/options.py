"""Product types, their options and option values."""

from __future__ import annotations

from django.contrib import admin

from ..models import (
    OptionValue,
    ProductOption,
    ProductType,
)


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    fields = ("name", "position")
    extra = 1
    show_change_link = True


class OptionValueInline(admin.TabularInline):
    model = OptionValue
    fields = ("value", "position")
    extra = 1


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "option_names")
    search_fields = ("name",)
    inlines = [ProductOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="options")
    def option_names(self, obj):
        return ", ".join(o.name for o in obj.options.all()) or "—"


@admin.register(ProductOption)
class ProductOptionAdmin(admin.ModelAdmin):
    list_display = ("name", "product_type", "position")
    list_select_related = ("product_type",)
    list_filter = ("product_type",)
    search_fields = ("name", "product_type__name")
    autocomplete_fields = ("product_type",)
    inlines = [OptionValueInline]


@admin.register(OptionValue)
class OptionValueAdmin(admin.ModelAdmin):
    list_display = ("value", "option", "position")
    list_select_related = ("option__product_type",)
    search_fields = ("value", "option__name", "option__product_type__name")
    autocomplete_fields = ("option",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("option")

"""Product types, their options and option values."""

from __future__ import annotations

from django.contrib import admin

from apps.auditing.admin_mixins import ShopErrorAdminMixin, inline_save

from .. import services
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
class ProductTypeAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    list_display = ("name", "option_names")
    search_fields = ("name",)
    inlines = [ProductOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="options")
    def option_names(self, obj):
        return ", ".join(o.name for o in obj.options.all()) or "—"

    def save_model(self, request, obj, form, change):
        services.product_type_save(product_type=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.product_type_delete(product_type=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for product_type in queryset.order_by("pk"):
            services.product_type_delete(product_type=product_type, actor=request.user)

    def save_formset(self, request, form, formset, change):
        inline_save(
            formset,
            save=lambda inline_form: services.option_save(
                option=inline_form.instance, actor=request.user
            ),
            delete=lambda option: services.option_delete(
                option=option, actor=request.user
            ),
        )


@admin.register(ProductOption)
class ProductOptionAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    list_display = ("name", "product_type", "position")
    list_select_related = ("product_type",)
    list_filter = ("product_type",)
    search_fields = ("name", "product_type__name")
    autocomplete_fields = ("product_type",)
    inlines = [OptionValueInline]

    def save_model(self, request, obj, form, change):
        services.option_save(option=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.option_delete(option=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for option in queryset.order_by("pk"):
            services.option_delete(option=option, actor=request.user)

    def save_formset(self, request, form, formset, change):
        inline_save(
            formset,
            save=lambda inline_form: services.option_value_save(
                value=inline_form.instance, actor=request.user
            ),
            delete=lambda value: services.option_value_delete(
                value=value, actor=request.user
            ),
        )


@admin.register(OptionValue)
class OptionValueAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    list_display = ("value", "option", "position")
    list_select_related = ("option__product_type",)
    search_fields = ("value", "option__name", "option__product_type__name")
    autocomplete_fields = ("option",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("option")

    def save_model(self, request, obj, form, change):
        services.option_value_save(value=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.option_value_delete(value=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for value in queryset.order_by("pk"):
            services.option_value_delete(value=value, actor=request.user)

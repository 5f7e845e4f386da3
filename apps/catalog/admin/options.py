"""Product types, their options and option values."""

from __future__ import annotations

from django.contrib import admin

from apps.auditing.admin_mixins import ServiceAdminMixin, ShopTabularInline, inline_save

from .. import services
from ..models import (
    AttributeDefinition,
    OptionValue,
    ProductOption,
    ProductType,
)


class ProductOptionInline(ShopTabularInline):
    model = ProductOption
    fields = ("name", "position")
    extra = 1
    show_change_link = True


class OptionValueInline(ShopTabularInline):
    model = OptionValue
    fields = ("value", "position")
    extra = 1


class AttributeDefinitionInline(ShopTabularInline):
    model = AttributeDefinition
    fields = ("key", "label", "unit", "position")
    extra = 1
    verbose_name_plural = "attribute labels (how the product page shows each attribute)"


@admin.register(ProductType)
class ProductTypeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "option_names")
    search_fields = ("name",)
    inlines = [ProductOptionInline, AttributeDefinitionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="options")
    def option_names(self, obj):
        return ", ".join(o.name for o in obj.options.all()) or "—"

    save_service = staticmethod(services.product_type_save)
    delete_service = staticmethod(services.product_type_delete)
    service_arg = "product_type"

    def save_formset(self, request, form, formset, change):
        if formset.model is AttributeDefinition:
            inline_save(
                formset,
                save=lambda inline_form: services.attribute_definition_save(
                    definition=inline_form.instance, actor=request.user
                ),
                delete=lambda definition: services.attribute_definition_delete(
                    definition=definition, actor=request.user
                ),
            )
            return
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
class ProductOptionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "product_type", "position")
    list_select_related = ("product_type",)
    list_filter = ("product_type",)
    search_fields = ("name", "product_type__name")
    autocomplete_fields = ("product_type",)
    inlines = [OptionValueInline]

    save_service = staticmethod(services.option_save)
    delete_service = staticmethod(services.option_delete)
    service_arg = "option"

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
class OptionValueAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("value", "option", "position")
    list_select_related = ("option__product_type",)
    search_fields = ("value", "option__name", "option__product_type__name")
    autocomplete_fields = ("option",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("option")

    save_service = staticmethod(services.option_value_save)
    delete_service = staticmethod(services.option_value_delete)
    service_arg = "value"

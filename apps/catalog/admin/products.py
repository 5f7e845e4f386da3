"""Products with their variants and images; CSV export and import."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ShopTabularInline,
    inline_save,
    search_all_words,
)
from apps.auditing.services import audit_record

from .. import csv_io, selectors, services
from ..errors import CatalogError
from ..forms import (
    PRICE_CURRENCY,
    CsvImportForm,
    ImageInlineFormSet,
    ProductAdminForm,
    VariantInlineForm,
    VariantInlineFormSet,
)
from ..models import (
    Product,
    ProductImage,
    ProductVariant,
)
from .base import (
    MAX_ERRORS_SHOWN,
    VARIANT_PLAIN_FIELDS,
    CatalogAdminMixin,
    adopt,
    csv_response,
)


class VariantInline(ShopTabularInline):
    model = ProductVariant
    form = VariantInlineForm
    formset = VariantInlineFormSet
    fields = (*VARIANT_PLAIN_FIELDS, "price")
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")


class ImageInline(ShopTabularInline):
    model = ProductImage
    formset = ImageInlineFormSet
    fields = ("preview", "image", "alt_text", "position", "is_primary")
    readonly_fields = ("preview",)
    extra = 1

    @admin.display(description="")
    def preview(self, obj):
        if not obj.pk or not obj.image:
            return ""
        return format_html(
            '<img src="{}" alt="" style="max-height:60px">', obj.image.url
        )


class BrandFilter(admin.SimpleListFilter):
    """Products of one brand. The choices come from the index on brand (one probe per
    brand), never from a DISTINCT over every product."""

    title = "brand"
    parameter_name = "brand"

    def lookups(self, request, model_admin):
        return [(brand, brand) for brand in selectors.product_brands()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(brand=self.value())
        return queryset


@admin.register(Product)
class ProductAdmin(CatalogAdminMixin, SimpleHistoryAdmin):
    form = ProductAdminForm
    list_display = (
        "name",
        "category",
        "brand",
        "status",
        "min_price",
        "in_stock",
        "updated_at",
    )
    list_filter = ("status", "category", BrandFilter)
    list_select_related = ("category",)
    # What get_search_results searches (the admin shows a search box when it is set).
    search_fields = ("name", "brand", "=slug", "variants__sku")
    search_help_text = "Name, brand, exact slug or (part of) a variant's SKU."
    # Newest first (the model's order), from the index catalog_product_created.
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink
    autocomplete_fields = ("category", "product_type")
    readonly_fields = ("slug", "min_price", "in_stock", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("name", "slug", "category", "product_type", "brand", "status")},
        ),
        ("Description", {"fields": ("description", "tags", "attributes")}),
        ("Publishing", {"fields": ("publish_from", "publish_until", "is_featured")}),
        ("SEO", {"fields": ("seo_title", "seo_description"), "classes": ["collapse"]}),
        (
            "Kept by the system",
            {"fields": ("min_price", "in_stock", "created_at", "updated_at")},
        ),
    )
    inlines = [VariantInline, ImageInline]
    actions = ["activate", "archive", "export_products", "export_prices"]
    history_list_display = ["name", "slug", "status"]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_product_import",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, selectors.product_matches), False

    def _can_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import": self._can_import(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # saving

    def soft_delete_object(self, request, obj):
        services.product_delete(product=obj, actor=request.user)

    def restore_object(self, request, obj):
        services.product_restore(product=obj, actor=request.user)

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form._meta.fields
            if name in form.cleaned_data
        }
        if not change:
            adopt(obj, services.product_create(actor=request.user, **fields))
            return
        current = Product.all_objects.get(pk=obj.pk)
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            current = services.product_update(
                product=current, actor=request.user, **changed
            )
        adopt(obj, current)

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductVariant:
            return self._save_variants(request, formset)
        if formset.model is ProductImage:
            return self._save_images(request, formset)
        return super().save_formset(request, form, formset, change)

    def _save_variants(self, request, formset):
        actor = request.user

        def save(inline_form):
            variant, data = inline_form.instance, inline_form.cleaned_data
            plain = {name: data[name] for name in VARIANT_PLAIN_FIELDS}
            if variant.pk is None:
                return services.variant_create(
                    product=formset.instance,
                    price=data.get("price"),
                    currency=PRICE_CURRENCY,
                    actor=actor,
                    **plain,
                )
            variant = services.variant_update(variant=variant, actor=actor, **plain)
            if "price" in inline_form.changed_data and data.get("price") is not None:
                services.price_set(
                    variant=variant,
                    amount=data["price"],
                    currency=PRICE_CURRENCY,
                    actor=actor,
                )
            return variant

        inline_save(
            formset,
            save=save,
            delete=lambda variant: services.variant_delete(
                variant=variant, actor=actor
            ),
        )

    def _save_images(self, request, formset):
        actor, primary = request.user, []

        def save(inline_form):
            image, data = inline_form.instance, inline_form.cleaned_data
            if image.pk is None:
                if not data.get("image"):
                    return None
                image = services.image_add(
                    product=formset.instance,
                    image=data["image"],
                    alt_text=data["alt_text"],
                    position=data.get("position") or None,
                    actor=actor,
                )
            else:
                changed = inline_form.changed_data
                image = services.image_update(
                    image=image,
                    file=data["image"] if "image" in changed else None,
                    alt_text=data["alt_text"] if "alt_text" in changed else None,
                    position=data["position"] if "position" in changed else None,
                    actor=actor,
                )
            if data.get("is_primary") and "is_primary" in inline_form.changed_data:
                primary.append(image)
            return image

        inline_save(
            formset,
            save=save,
            delete=lambda image: services.image_delete(image=image, actor=actor),
        )
        if primary:
            # Through the service: the others stop being primary in the same statement
            # order, so the one-primary index never sees two.
            services.image_set_primary(image=primary[-1], actor=actor)

    # actions

    def _set_status(self, request, queryset, status, verb):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.products_set_status(
            product_ids=ids, status=status, actor=request.user
        )
        self.message_user(request, f"{verb} {count} product(s).", messages.SUCCESS)

    @admin.action(description="Activate selected products", permissions=["change"])
    def activate(self, request, queryset):
        self._set_status(request, queryset, Product.Status.ACTIVE, "Activated")

    @admin.action(description="Archive selected products", permissions=["change"])
    def archive(self, request, queryset):
        self._set_status(request, queryset, Product.Status.ARCHIVED, "Archived")

    @admin.action(
        description="Export selected products and variants (CSV)",
        permissions=["view"],
    )
    def export_products(self, request, queryset):
        ids = sorted(set(queryset.values_list("pk", flat=True)))
        audit_record(
            "data_export",
            table_name="catalog_product",
            data={"export": "products", "products": len(ids)},
        )
        return csv_response(
            "products.csv", csv_io.PRODUCT_COLUMNS, csv_io.product_rows(ids)
        )

    @admin.action(
        description="Export prices of selected products (CSV)", permissions=["view"]
    )
    def export_prices(self, request, queryset):
        ids = sorted(set(queryset.values_list("pk", flat=True)))
        audit_record(
            "data_export",
            table_name="catalog_price",
            data={"export": "prices", "products": len(ids)},
        )
        return csv_response("prices.csv", csv_io.PRICE_COLUMNS, csv_io.price_rows(ids))

    # import

    def import_view(self, request):
        if not self._can_import(request):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            importer = (
                csv_io.products_import
                if form.cleaned_data["kind"] == "products"
                else csv_io.prices_import
            )
            try:
                summary = importer(upload=form.cleaned_data["file"], actor=request.user)
            except csv_io.CsvRejected as exc:
                errors = exc.errors
            except CatalogError as exc:  # a concurrent writer won; nothing was written
                errors = [exc.message]
            else:
                self.message_user(
                    request, f"Import done — {summary}.", messages.SUCCESS
                )
                return redirect("admin:catalog_product_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import products or prices from CSV",
            "form": form,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
            "product_columns": ",".join(csv_io.PRODUCT_COLUMNS),
            "price_columns": ",".join(csv_io.PRICE_COLUMNS),
            "opts": self.model._meta,
            "changelist_url": reverse("admin:catalog_product_changelist"),
        }
        return TemplateResponse(request, "admin/catalog/product/import.html", context)

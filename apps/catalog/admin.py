"""Back office for the catalog: the category tree, products with their variants, images and
prices, product types, reviews, and CSV export/import. Every write goes through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin import SoftDeleteAdminMixin
from apps.auditing.services import audit_record

from . import csv_io, services
from .errors import CatalogError, CategoryMoveInvalid
from .forms import (
    PRICE_CURRENCY,
    CategoryAdminForm,
    CategoryMoveForm,
    CsvImportForm,
    ImageInlineFormSet,
    ProductAdminForm,
    PromotionInlineForm,
    PromotionInlineFormSet,
    ReviewAdminForm,
    VariantAdminForm,
    VariantInlineForm,
    VariantInlineFormSet,
)
from .models import (
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductOption,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)

MAX_ERRORS_SHOWN = 200


def _adopt(obj, saved) -> None:
    """Copy what a service saved onto the admin's instance (inlines and messages use it)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def _changed_fields(current, obj, names) -> list[str]:
    return [name for name in names if getattr(current, name) != getattr(obj, name)]


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_io.csv_stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CatalogAdminMixin:
    """Business-rule errors become a message (never a 500); autocomplete offers alive rows."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except CatalogError as exc:
            # Forms check the rules first; this is a concurrent writer winning the race.
            # The admin's transaction has rolled back, so nothing was changed.
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().history_form_view(
                    request, object_id, version_id, extra_context
                )
        except CatalogError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        # A changelist queryset may be DISTINCT (search across variants), and the soft
        # delete locks its rows, which PostgreSQL refuses on DISTINCT: re-select by pk.
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, self.model.all_objects.filter(pk__in=ids))

    def get_deleted_objects(self, objs, request):
        """What a (soft) delete touches: the rows and their soft-deletable children.

        Django's summary would list PROTECT-ed children as blocking and CASCADE rows as
        going away; neither holds for a soft delete.
        """
        to_delete, counts = [], {}
        for obj in objs:
            children = [
                f"{capfirst(child._meta.verbose_name)}: {child}"
                for name in obj.soft_delete_children
                for child in getattr(obj, name).all()
            ]
            to_delete.append(f"{capfirst(obj._meta.verbose_name)}: {obj}")
            if children:
                to_delete.append(children)
            counts[obj._meta.verbose_name_plural] = (
                counts.get(obj._meta.verbose_name_plural, 0) + 1
            )
        return to_delete, counts, set(), []

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            qs = qs.filter(deleted_at__isnull=True)
        return qs


# --- categories ----------------------------------------------------------------------------

CATEGORY_PLAIN_FIELDS = (
    "name",
    "position",
    "description",
    "seo_title",
    "seo_description",
    "is_featured",
)


@admin.register(Category)
class CategoryAdmin(CatalogAdminMixin, SoftDeleteAdminMixin, SimpleHistoryAdmin):
    form = CategoryAdminForm
    list_display = (
        "tree_name",
        "slug",
        "parent",
        "position",
        "product_count",
        "is_featured",
    )
    list_display_links = ("tree_name",)
    list_select_related = ("parent",)
    list_filter = ("is_featured",)
    search_fields = ("name", "slug")
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("slug", "path", "depth")
    fields = (
        "name",
        "slug",
        "parent",
        "position",
        "description",
        "seo_title",
        "seo_description",
        "is_featured",
        "path",
        "depth",
    )
    actions = ["move_selected"]
    history_list_display = ["name", "parent", "position"]

    def get_queryset(self, request):
        # A subquery, not a GROUP BY: the soft delete locks the rows (FOR UPDATE).
        alive_products = (
            Product.objects.filter(category=OuterRef("pk"))
            .order_by()
            .values("category")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(product_count=Coalesce(Subquery(alive_products), 0))
        )

    def get_deleted_objects(self, objs, request):
        # A category goes only when nothing alive hangs below it (the PROTECT of a soft
        # delete): Django's delete page then refuses and lists what is in the way.
        objs = list(objs)
        to_delete, counts, perms, _ = super().get_deleted_objects(objs, request)
        ids = [obj.pk for obj in objs]
        blocking = [
            *Category.objects.filter(parent__in=ids).exclude(pk__in=ids)[:50],
            *Product.objects.filter(category__in=ids)[:50],
        ]
        protected = [f"{capfirst(o._meta.verbose_name)}: {o}" for o in blocking]
        return to_delete, counts, perms, protected

    @admin.display(description="category", ordering="path")
    def tree_name(self, obj):
        indent = "\u2003" * obj.depth + ("└ " if obj.depth else "")
        return format_html('<span class="tree-indent">{}</span>{}', indent, obj.name)

    @admin.display(description="products", ordering="product_count")
    def product_count(self, obj):
        return obj.product_count

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.category_create(
                name=data["name"],
                parent=data.get("parent"),
                position=data.get("position") or 0,
                **{k: data[k] for k in CATEGORY_PLAIN_FIELDS[2:] if k in data},
            )
            _adopt(obj, saved)
            return
        current = Category.all_objects.get(pk=obj.pk)
        # The tree columns are the services' alone: start from the stored ones.
        for name in ("path", "depth", "slug", "deleted_at"):
            setattr(obj, name, getattr(current, name))
        fields = _changed_fields(current, obj, CATEGORY_PLAIN_FIELDS)
        parent = data.get("parent")
        if current.parent_id != (parent.pk if parent else None):
            moved = services.category_move(
                category=current, parent=parent, position=obj.position
            )
            for name in ("path", "depth", "slug", "parent_id"):
                setattr(obj, name, getattr(moved, name))
            fields.append("parent")  # same value as stored: records the move in history
        if fields:
            obj.save(update_fields=fields)

    @admin.action(description="Move selected under…", permissions=["change"])
    def move_selected(self, request, queryset):
        form = CategoryMoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            parent = form.cleaned_data["parent"]
            roots: list[Category] = []
            for category in queryset.filter(deleted_at__isnull=True).order_by("path"):
                if not any(category.path.startswith(r.path) for r in roots):
                    roots.append(category)  # descendants move with their ancestor
            try:
                with transaction.atomic():
                    for category in roots:
                        services.category_move(category=category, parent=parent)
            except CategoryMoveInvalid as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(
                request,
                f"Moved {len(roots)} categor{'y' if len(roots) == 1 else 'ies'} "
                f"under {parent or 'the top level'}.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/catalog/category/move.html",
            {
                **self.admin_site.each_context(request),
                "title": "Move categories",
                "categories": queryset.order_by("path"),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --- products ------------------------------------------------------------------------------

VARIANT_PLAIN_FIELDS = ("sku", "name", "is_active", "weight_grams", "position")


class VariantInline(admin.TabularInline):
    model = ProductVariant
    form = VariantInlineForm
    formset = VariantInlineFormSet
    fields = (*VARIANT_PLAIN_FIELDS, "price")
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")


class ImageInline(admin.TabularInline):
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


@admin.register(Product)
class ProductAdmin(CatalogAdminMixin, SoftDeleteAdminMixin, SimpleHistoryAdmin):
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
    list_filter = ("status", "category", "brand")
    list_select_related = ("category",)
    search_fields = ("name", "brand", "slug", "variants__sku")
    search_help_text = "Name, brand, slug or a variant's SKU."
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

    def _can_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import": self._can_import(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # saving

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form._meta.fields
            if name in form.cleaned_data
        }
        if not change:
            _adopt(obj, services.product_create(**fields))
            return
        current = Product.all_objects.get(pk=obj.pk)
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            current = services.product_update(product=current, **changed)
        _adopt(obj, current)

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductVariant:
            return self._save_variants(form.instance, formset)
        if formset.model is ProductImage:
            return self._save_images(form.instance, formset)
        return super().save_formset(request, form, formset, change)

    def _save_variants(self, product, formset):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        refresh = False
        for inline_form in formset.forms:
            variant = inline_form.instance
            if formset._should_delete_form(inline_form):
                if variant.pk:
                    variant.soft_delete()
                    formset.deleted_objects.append(variant)
                    refresh = True
                continue
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if variant.pk is None:
                new = services.variant_create(
                    product=product,
                    price=data.get("price"),
                    currency=PRICE_CURRENCY,
                    **{name: data[name] for name in VARIANT_PLAIN_FIELDS},
                )
                formset.new_objects.append(new)
                continue
            plain = [n for n in inline_form.changed_data if n in VARIANT_PLAIN_FIELDS]
            if plain:
                # No variant-update service: a plain save keeps history and audit trail.
                variant.save(update_fields=plain)
                refresh = refresh or "is_active" in plain
            if "price" in inline_form.changed_data and data.get("price") is not None:
                services.price_set(
                    variant=variant, amount=data["price"], currency=PRICE_CURRENCY
                )
            formset.changed_objects.append((variant, inline_form.changed_data))
        if refresh:
            services.product_min_price_refresh(product.pk)

    def _save_images(self, product, formset):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        primary = None
        for inline_form in formset.forms:
            image = inline_form.instance
            if formset._should_delete_form(inline_form):
                if image.pk:
                    image.soft_delete()
                    formset.deleted_objects.append(image)
                continue
            data = getattr(inline_form, "cleaned_data", {})
            if image.pk is None:
                if not inline_form.has_changed() or not data.get("image"):
                    continue
                image = services.image_add(
                    product=product, image=data["image"], alt_text=data["alt_text"]
                )
                if data.get("position"):
                    image.position = data["position"]
                    image.save(update_fields=["position"])
                formset.new_objects.append(image)
                if data.get("is_primary"):
                    primary = image
                continue
            plain = [
                n
                for n in inline_form.changed_data
                if n in ("image", "alt_text", "position")
            ]
            if plain:
                image.save(update_fields=plain)
            if plain or "is_primary" in inline_form.changed_data:
                formset.changed_objects.append((image, inline_form.changed_data))
            if data.get("is_primary") and "is_primary" in inline_form.changed_data:
                primary = image
        if primary is not None:
            # Through the service: the others stop being primary in the same statement
            # order, so the one-primary index never sees two.
            services.image_set_primary(image=primary)

    # actions

    def _set_status(self, request, queryset, status, verb):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.products_set_status(product_ids=ids, status=status)
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
        return _csv_response(
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
        return _csv_response("prices.csv", csv_io.PRICE_COLUMNS, csv_io.price_rows(ids))

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
                summary = importer(upload=form.cleaned_data["file"])
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


# --- variants and their prices -------------------------------------------------------------


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
            _adopt(obj, saved)
            return
        current = ProductVariant.all_objects.get(pk=obj.pk)
        fields = _changed_fields(current, obj, [*VARIANT_PLAIN_FIELDS, "product_id"])
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


# --- product types and options -------------------------------------------------------------


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


# --- reviews -------------------------------------------------------------------------------


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    form = ReviewAdminForm
    list_display = (
        "product",
        "user",
        "rating",
        "status",
        "verified_purchase",
        "created_at",
    )
    list_filter = ("status", "rating", "verified_purchase")
    list_select_related = ("product", "user")
    search_fields = ("title", "body", "product__name")
    # Pending first (they need a decision), then newest.
    ordering = (
        Case(When(status="pending", then=Value(0)), default=Value(1)).asc(),
        "-created_at",
        "-id",
    )
    fields = (
        "product",
        "user",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "status",
        "moderated_by_id",
        "moderated_at",
        "created_at",
    )
    readonly_fields = (
        "product",
        "user",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "moderated_by_id",
        "moderated_at",
        "created_at",
    )
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False  # customers write reviews

    def has_delete_permission(self, request, obj=None):
        return False  # reject instead: the decision stays on record

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            services.review_moderate(review=obj, status=obj.status, actor=request.user)

    def _moderate(self, request, queryset, status):
        count = 0
        for review in queryset.order_by("pk"):
            services.review_moderate(review=review, status=status, actor=request.user)
            count += 1
        self.message_user(
            request, f"Marked {count} review(s) {status}.", messages.SUCCESS
        )

    @admin.action(description="Approve selected reviews", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Review.Status.APPROVED)

    @admin.action(description="Reject selected reviews", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Review.Status.REJECTED)

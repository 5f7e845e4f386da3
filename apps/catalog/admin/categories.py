"""The category tree: indented list, product counts, saves and moves through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..forms import (
    CategoryAdminForm,
    CategoryMoveForm,
)
from ..models import (
    Category,
    Product,
    TreeOrder,
)
from .base import (
    CatalogAdminMixin,
    adopt,
)


@admin.register(Category)
class CategoryAdmin(CatalogAdminMixin, SimpleHistoryAdmin):
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
    ordering = (TreeOrder(),)
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

    @admin.display(description="category", ordering=TreeOrder())
    def tree_name(self, obj):
        indent = "\u2003" * obj.depth + ("└ " if obj.depth else "")
        return format_html('<span class="tree-indent">{}</span>{}', indent, obj.name)

    @admin.display(description="products", ordering="product_count")
    def product_count(self, obj):
        return obj.product_count

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in services.CATEGORY_FIELDS if k in data}
        if change:
            # The tree columns are the services' alone: they start from the stored ones.
            saved = services.category_update(
                category=obj, parent=data.get("parent"), actor=request.user, **fields
            )
        else:
            fields["position"] = fields.get("position") or 0
            saved = services.category_create(
                parent=data.get("parent"), actor=request.user, **fields
            )
        adopt(obj, saved)

    def soft_delete_object(self, request, obj):
        services.category_delete(category=obj, actor=request.user)

    def restore_object(self, request, obj):
        services.category_restore(category=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        # Deepest first: a category selected with its parent goes before the parent.
        for category in Category.objects.filter(pk__in=ids).order_by("-depth", "pk"):
            self.soft_delete_object(request, category)

    @admin.action(description="Move selected under…", permissions=["change"])
    def move_selected(self, request, queryset):
        form = CategoryMoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            parent = form.cleaned_data["parent"]
            roots: list[Category] = []
            for category in queryset.filter(deleted_at__isnull=True).order_by(
                TreeOrder()
            ):
                if not any(category.path.startswith(r.path) for r in roots):
                    roots.append(category)  # descendants move with their ancestor
            for category in roots:
                services.category_move(
                    category=category, parent=parent, actor=request.user
                )
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
                "categories": queryset.order_by(TreeOrder()),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

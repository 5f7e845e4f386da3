"""What the catalog's admin pages share: soft-deletable rows, saved objects, CSV responses."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.text import capfirst

from apps.auditing.admin_mixins import SoftDeleteAdminMixin, adopt

__all__ = [
    "MAX_ERRORS_SHOWN",
    "VARIANT_PLAIN_FIELDS",
    "CatalogAdminMixin",
    "adopt",
    "csv_response",
]

from .. import csv_io

MAX_ERRORS_SHOWN = 200


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_io.csv_stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CatalogAdminMixin(SoftDeleteAdminMixin):
    """Soft-deletable catalog rows: deletes summarised as such, autocomplete offers alive rows.

    Business-rule errors become messages through the kernel's ShopErrorAdminMixin.
    """

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


VARIANT_PLAIN_FIELDS = ("sku", "name", "is_active", "weight_grams", "position")

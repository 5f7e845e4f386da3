"""What the catalog's admin pages share: saving through the services, CSV responses."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.utils.text import capfirst

from .. import csv_io
from ..errors import CatalogError

MAX_ERRORS_SHOWN = 200


def adopt(obj, saved) -> None:
    """Copy what a service saved onto the admin's instance (inlines and messages use it)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def changed_fields(current, obj, names) -> list[str]:
    return [name for name in names if getattr(current, name) != getattr(obj, name)]


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
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


VARIANT_PLAIN_FIELDS = ("sku", "name", "is_active", "weight_grams", "position")

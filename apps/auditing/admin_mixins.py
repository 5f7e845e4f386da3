"""What every ModelAdmin of the shop builds on: business-rule errors as messages, bad input
as a form error or a 400, read-only records, soft-deletable rows."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, models, router, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal

from .bad_input import object_ids
from .errors import ShopError
from .formfields import SafeJSONField, column_bounds_kwargs


def _refusing(form_class, error: ShopError):
    """`form_class`, made invalid by `error`: the admin shows the posted form again with it."""

    class Refused(form_class):
        def clean(self):
            super().clean()
            raise ValidationError(error.message, code=error.code)

    Refused.__name__ = Refused.__qualname__ = form_class.__name__
    return Refused


def adopt(obj, saved) -> None:
    """Copy what a service saved onto the admin's instance (inlines and messages use it)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def inline_save(formset, *, save, delete) -> None:
    """Save an admin inline formset through services instead of `formset.save()`.

    `save(form)` writes the row of a new or changed form (its parent already set) and returns
    it, or None when there is nothing to write; `delete(obj)` removes a stored row. The lists
    Django builds its change message from are filled as `formset.save()` would.
    """
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        obj = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if obj.pk is not None:
                # The stored row, not the posted form's edits of it: the service decides on
                # what is in the database (a default address, the role actually granted).
                stored = type(obj)._base_manager.get(pk=obj.pk)
                delete(stored)
                formset.deleted_objects.append(stored)
            continue
        if not form.has_changed():
            continue
        adding = obj.pk is None
        if hasattr(formset, "fk"):  # an added row learns its parent (saved just before)
            setattr(obj, formset.fk.name, formset.instance)
        saved = save(form)
        if saved is None:
            continue
        if adding:
            formset.new_objects.append(saved)
        else:
            formset.changed_objects.append((saved, form.changed_data))


class CappedCountPaginator(Paginator):
    """A changelist paginator for big tables that never runs a full COUNT(*).

    Unfiltered, the planner's estimate of the table's rows (its partitions' for a
    partitioned table) stands in when it passes CAP; otherwise at most CAP rows are counted.
    Use with `show_full_result_count = False`.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COALESCE((SELECT sum(GREATEST(c.reltuples, 0)) FROM pg_class c"
                    " JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = %s::regclass),"
                    " (SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass))::bigint",
                    [queryset.model._meta.db_table] * 2,
                )
                estimate = cursor.fetchone()[0] or 0
            if estimate > self.CAP:
                return estimate
        return queryset.order_by()[: self.CAP].count()


def search_words(search_term: str) -> list[str]:
    """The words of an admin search, as Django splits them ("a quoted phrase" is one)."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


def search_all_words(queryset, search_term: str, match):
    """`queryset` narrowed to the rows each word of the search matches (`match(word)` is
    the condition for one word), as Django's admin search ANDs its words."""
    for word in search_words(search_term):
        queryset = queryset.filter(match(word))
    return queryset


def safe_formfield_kwargs(db_field) -> dict:
    """What makes a model field's admin form field refuse bad input before the database
    does: a JSON field parsed with limits, a whole number bounded by its column."""
    if isinstance(db_field, models.JSONField):
        return {"form_class": SafeJSONField}
    return column_bounds_kwargs(db_field)


class _KeysOnly:
    """An autocomplete widget that draws a refused form again without looking up posted
    values its key column cannot hold (Django's filters by them and raises ValueError)."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(
            getattr(remote, "field_name", None) or remote.model._meta.pk.name
        )
        kept = []
        for v in value:
            try:
                key.to_python(v)
            except ValidationError:
                continue
            kept.append(v)
        return super().optgroups(name, kept, attr)


class SafeAutocompleteSelect(_KeysOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_KeysOnly, AutocompleteSelectMultiple):
    pass


class SafeInputAdminMixin:
    """Form fields of a ModelAdmin or an inline that refuse bad input next to the field:
    whole numbers within their column's range, JSON without huge numbers or NUL, related
    rows whose posted id is no id ("abc") refused as an invalid choice."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(
            db_field, request, **{**safe_formfield_kwargs(db_field), **kwargs}
        )

    def _safe_autocomplete(self, db_field, request, kwargs, widget_class):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = widget_class(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = self._safe_autocomplete(
            db_field, request, kwargs, SafeAutocompleteSelect
        )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = self._safe_autocomplete(
            db_field, request, kwargs, SafeAutocompleteSelectMultiple
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ShopErrorAdminMixin(SafeInputAdminMixin):
    """The one place where the back office turns a ShopError into a message, never a 500.

    Saves, deletes, actions and list edits each run in one transaction that the error rolls
    back, so nothing is saved. A change form comes back with what was posted and the message
    above it; a delete, an action or a list edit returns to its page with an error message.

    Bad input is refused before it reaches the database: form fields as in
    SafeInputAdminMixin (the inlines' too), and ids that are no ids (a selected row of an
    action, a history page's object or version) with BadInput, a 400.
    """

    _REFUSED = "_shop_error_refused"

    def _refused_response(self, request, error: ShopError):
        self.message_user(request, error.message, messages.ERROR)
        if request.method == "POST":  # back to the page the post came from
            return HttpResponseRedirect(request.get_full_path())
        # A page that refuses to show would refuse again: go one level up, never in a loop.
        opts = self.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if request.path == changelist:
            return HttpResponseRedirect(reverse("admin:index"))
        return HttpResponseRedirect(changelist)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        error = getattr(request, self._REFUSED, None)
        return form if error is None else _refusing(form, error)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ShopError as exc:  # Django's transaction around the save has rolled back
            if request.method != "POST" or getattr(request, self._REFUSED, None):
                return self._refused_response(request, exc)
            setattr(request, self._REFUSED, exc)
            # The same post once more, now refused by the form: nothing is written.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ShopError as exc:
            return self._refused_response(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:  # list_editable saves
            return super().changelist_view(request, extra_context)
        except ShopError as exc:
            return self._refused_response(request, exc)

    # All or nothing: an action refused half-way leaves no half-done work behind. An admin
    # whose actions call durable services (each item standing on its own) sets it False.
    actions_atomic = True

    def response_action(self, request, queryset):
        object_ids(self.model, request.POST.getlist(ACTION_CHECKBOX_NAME))
        try:
            if not self.actions_atomic:
                return super().response_action(request, queryset)
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset)
        except ShopError as exc:
            return self._refused_response(request, exc)

    def history_view(self, request, object_id, extra_context=None):
        object_ids(self.model, [unquote(object_id)])
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        object_ids(self.model, [unquote(object_id)])
        manager = self.model._meta.simple_history_manager_attribute
        object_ids(getattr(self.model, manager).model, [version_id])
        # simple-history's revert page: not in a transaction of its own.
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().history_form_view(
                    request, object_id, version_id, extra_context
                )
        except ShopError as exc:
            return self._refused_response(request, exc)


class ShopTabularInline(SafeInputAdminMixin, admin.TabularInline):
    """Every tabular inline of the shop's admins."""


class ShopStackedInline(SafeInputAdminMixin, admin.StackedInline):
    """Every stacked inline of the shop's admins."""


class ServiceAdminMixin(ShopErrorAdminMixin):
    """A ModelAdmin whose rows are saved and deleted by one service each:

    save_service = staticmethod(services.warehouse_save)
    delete_service = staticmethod(services.warehouse_delete)
    service_arg = "warehouse"  # the keyword the services take the row as
    """

    save_service = None
    delete_service = None
    service_arg = ""

    def save_model(self, request, obj, form, change):
        self.save_service(**{self.service_arg: obj}, actor=request.user)

    def delete_model(self, request, obj):
        self.delete_service(**{self.service_arg: obj}, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)


class ReadOnlyAdminMixin(ShopErrorAdminMixin):
    """For records nobody edits by hand (trails, ledgers): view only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StateFilter(admin.SimpleListFilter):
    """Alive rows by default; deleted rows one click away."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("deleted", "Deleted"), ("all", "All")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Alive",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


class SoftDeleteAdminMixin(ShopErrorAdminMixin):
    """Admin for soft-deletable models: delete soft-deletes, deleted rows can be restored.

    Every delete and restore goes through `soft_delete_object` / `restore_object`, one row at
    a time in primary-key order. By default they are the kernel's own `soft_delete()` /
    `restore()`; an admin whose rows need more (caches, aggregates) points them at its app's
    services.
    """

    delete_confirmation_template = "admin/soft_delete_confirmation.html"
    delete_selected_confirmation_template = (
        "admin/soft_delete_selected_confirmation.html"
    )

    def soft_delete_object(self, request, obj) -> None:
        obj.soft_delete()

    def _soft_delete_context(self) -> dict:
        children = [
            str(
                self.model._meta.get_field(name).related_model._meta.verbose_name_plural
            )
            for name in self.model.soft_delete_children
        ]
        return {
            "retention_days": settings.SOFT_DELETE_RETENTION_DAYS,
            "soft_delete_children": " and ".join(children),
        }

    def delete_view(self, request, object_id, extra_context=None):
        context = {**self._soft_delete_context(), **(extra_context or {})}
        return super().delete_view(request, object_id, context)

    def soft_delete_selected(self, request, queryset):
        response = delete_selected(self, request, queryset)
        # The confirmation page comes back not yet rendered: it learns the retention too.
        if isinstance(response, TemplateResponse):
            response.context_data = {
                **response.context_data,
                **self._soft_delete_context(),
            }
        return response

    def restore_object(self, request, obj) -> None:
        obj.restore()

    def get_queryset(self, request):
        qs = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def get_list_filter(self, request):
        return (StateFilter, *super().get_list_filter(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                SoftDeleteAdminMixin.soft_delete_selected,
                "delete_selected",
                actions["delete_selected"][2],
            )
        if self.has_change_permission(request):
            actions["restore_selected"] = (
                SoftDeleteAdminMixin.restore_selected,
                "restore_selected",
                "Restore selected deleted rows",
            )
        return actions

    def delete_model(self, request, obj):
        self.soft_delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        # Re-select by id: the changelist query may carry DISTINCT or joins that FOR UPDATE refuses.
        ids = list(queryset.values_list("pk", flat=True))
        for obj in self.model.all_objects.filter(
            pk__in=ids, deleted_at__isnull=True
        ).order_by("pk"):
            self.soft_delete_object(request, obj)

    def get_deleted_objects(self, objs, request):
        # A soft delete removes nothing: protected children do not block it, nothing cascades.
        objs = list(objs)
        summary = [str(obj) for obj in objs]
        return summary, {self.model._meta.verbose_name_plural: len(objs)}, set(), []

    def restore_selected(self, request, queryset):
        # One conflict (RestoreConflict) refuses the lot: the action runs in one transaction.
        ids = list(
            queryset.filter(deleted_at__isnull=False).values_list("pk", flat=True)
        )
        restored = 0
        for obj in self.model.all_objects.filter(pk__in=ids).order_by("pk"):
            self.restore_object(request, obj)
            restored += 1
        if restored:
            self.message_user(request, f"Restored {restored} row(s).", messages.SUCCESS)

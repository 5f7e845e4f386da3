"""What the finance admins share: buttons on a read-only record's page, read-only inlines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.auditing.admin_mixins import ShopTabularInline
from apps.auditing.errors import ShopError
from apps.auditing.web_errors import errors_on_form

from ..models import PaymentStatus


@dataclass(frozen=True)
class Button:
    """One button of a record's page: when it shows, its form, the service it runs."""

    label: str
    allowed: Callable[[object], bool]
    form: type | None
    run: Callable  # run(obj, data, actor)
    # ShopError codes shown next to a field of the form rather than as a message.
    field_errors: dict[str, str] = field(default_factory=dict)


class ButtonsAdminMixin:
    """Buttons on a read-only record's page (`buttons`), each behind a form page of its own
    at `<id>/do/<name>/`; staff with the model's change permission see them."""

    buttons: dict[str, Button] = {}
    summary_template = ""

    def _url_name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{suffix}"

    def may_act(self, request) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def button_urls(self):
        return [
            path(
                "<int:object_id>/do/<str:action>/",
                self.admin_site.admin_view(self.button_view),
                name=self._url_name("do"),
            )
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and self.may_act(request):
            context["buttons"] = [
                (
                    name,
                    button.label,
                    reverse(f"admin:{self._url_name('do')}", args=[obj.pk, name]),
                )
                for name, button in self.buttons.items()
                if button.allowed(obj)
            ]
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def button_view(self, request, object_id: int, action: str):
        obj = get_object_or_404(self.model, pk=object_id)
        back = reverse(f"admin:{self._url_name('change')}", args=[obj.pk])
        button = self.buttons.get(action)
        if button is None or not self.may_act(request):
            return HttpResponseRedirect(back)
        if not button.allowed(obj):
            self.message_user(
                request, f"{button.label}: not possible now ({obj}).", messages.ERROR
            )
            return HttpResponseRedirect(back)
        data = request.POST if request.method == "POST" else None
        form = button.form(data, **{self.model._meta.model_name: obj})
        if request.method == "POST" and form.is_valid():
            try:
                with errors_on_form(form, fields=button.field_errors):
                    button.run(obj, form.cleaned_data, request.user)
            except ShopError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(back)
            if not form.errors:
                self.message_user(request, f"{button.label}: done.", messages.SUCCESS)
                return HttpResponseRedirect(back)
        return TemplateResponse(
            request,
            "admin/payments/action.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{button.label}: {obj}",
                "object": obj,
                "summary_template": self.summary_template,
                "form": form,
                "label": button.label,
                "opts": self.model._meta,
                "original": obj,
                "back": back,
            },
            status=400 if form.errors else 200,
        )


class ReadOnlyInline(ShopTabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatusFilter(admin.SimpleListFilter):
    """Status, without counts: a filter never counts a big table."""

    title = "status"
    parameter_name = "status"
    choices_of = PaymentStatus

    def lookups(self, request, model_admin):
        return self.choices_of.choices

    def queryset(self, request, queryset):
        if self.value() in self.choices_of.values:
            return queryset.filter(status=self.value())
        return queryset

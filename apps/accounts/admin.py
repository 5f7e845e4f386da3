"""Back office: users (roles, history, soft delete, GDPR), roles as a tree, lockouts."""

from __future__ import annotations

import copy
import functools
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ShopErrorAdminMixin,
    ShopStackedInline,
    ShopTabularInline,
    SoftDeleteAdminMixin,
    adopt,
    inline_save,
)

from . import gdpr, services, throttle
from .errors import RoleCycle
from .forms import StaffPasswordChangeForm, StaffUserChangeForm, StaffUserCreationForm
from .models import Address, Lockout, Role, User, UserRole
from .selectors import role_tree, roles_effective_permissions

# The authenticator apps' secrets are no one else's business: django-otp's own admin shows
# and edits them. Staff reset a lost one with the user list's action instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


class UserRoleInline(ShopTabularInline):
    model = UserRole
    fk_name = "user"
    extra = 0
    fields = ("role", "granted_at", "granted_by_id")
    readonly_fields = ("granted_at", "granted_by_id")
    autocomplete_fields = ("role",)


class AddressInline(ShopStackedInline):
    model = Address
    extra = 0
    fields = (
        "kind",
        "is_default",
        "full_name",
        "line1",
        "line2",
        "postal_code",
        "city",
        "region",
        "country",
        "phone",
    )
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


@admin.register(User)
class UserAdmin(SoftDeleteAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    ordering = ("email",)
    list_display = (
        "email",
        "full_name",
        "is_staff",
        "is_active",
        "verified",
        "date_joined",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        ("email_verified_at", admin.EmptyFieldListFilter),
        "role_grants__role",
    )
    # Each answered by a trigram index on UPPER(column), what `icontains` asks for;
    # the order by the index accounts_user_email.
    search_fields = ("email", "full_name", "phone")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50  # as the order and payment lists: a page renders in a blink
    readonly_fields = ("last_login", "date_joined", "email_verified_at", "erased_at")
    inlines = [UserRoleInline, AddressInline]
    actions = ["export_data", "erase_data", "reset_second_factor"]
    history_list_display = ["email", "full_name", "is_staff", "is_active"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "preferences")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        (
            "Dates",
            {"fields": ("last_login", "date_joined", "email_verified_at", "erased_at")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def soft_delete_object(self, request, obj):
        services.user_delete(user=obj, actor=request.user)

    def restore_object(self, request, obj):
        services.user_restore(user=obj, actor=request.user)

    @admin.display(boolean=True, description="verified", ordering="email_verified_at")
    def verified(self, obj):
        return obj.email_verified_at is not None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {k: data[k] for k in services.USER_FIELDS if k in data}
            saved = services.user_update(user=obj, actor=request.user, **fields)
        else:
            usable = data.get("set_usable_password", True)
            saved = services.user_create(
                email=data["email"],
                full_name=data.get("full_name", ""),
                password=data.get("password1") if usable else None,
                actor=request.user,
            )
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is Address:
            return self._save_addresses(request, form.instance, formset)
        # Grants go through the services: audited as security events, caches invalidated.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for inline_form in formset.forms:
            grant = inline_form.instance
            if inline_form in formset.deleted_forms:
                if grant.pk:
                    services.role_revoke(
                        user=grant.user, role=grant.role, actor=request.user
                    )
                    formset.deleted_objects.append(grant)
                continue
            if not inline_form.has_changed() or not inline_form.cleaned_data.get(
                "role"
            ):
                continue
            if grant.pk:
                previous = UserRole.objects.get(pk=grant.pk)
                services.role_revoke(
                    user=previous.user, role=previous.role, actor=request.user
                )
            role = inline_form.cleaned_data["role"]
            new = services.role_grant(user=form.instance, role=role, actor=request.user)
            formset.new_objects.append(new)

    def _save_addresses(self, request, user, formset):
        actor = request.user

        def save(inline_form):
            address, data = inline_form.instance, dict(inline_form.cleaned_data)
            is_default = data.pop("is_default", False)
            if address.pk is None:
                return services.address_create(
                    user=user, data=data, make_default=is_default, actor=actor
                )
            address = services.address_update(address=address, data=data, actor=actor)
            # A default changes by ticking another address of the kind (never none).
            if is_default and "is_default" in inline_form.changed_data:
                address = services.address_set_default(address=address, actor=actor)
            return address

        inline_save(
            formset,
            save=save,
            delete=lambda address: services.address_delete(
                address=address, actor=actor
            ),
        )

    def user_change_password(self, request, id, form_url=""):
        # Django's page builds `self.change_password_form(user, data)` and calls its save():
        # a copy of this admin hands the form the acting person for the service it calls.
        acting = copy.copy(self)
        acting.change_password_form = functools.partial(
            StaffPasswordChangeForm, actor=request.user
        )
        return super(UserAdmin, acting).user_change_password(request, id, form_url)

    @admin.action(
        description="Export the selected people's data (JSON)", permissions=["view"]
    )
    def export_data(self, request, queryset):
        data = {
            user.email: gdpr.account_export(user=user, actor=request.user)
            for user in queryset.order_by("pk")
        }
        response = HttpResponse(
            json.dumps(data, indent=2, default=str), content_type="application/json"
        )
        response["Content-Disposition"] = (
            'attachment; filename="personal-data-export.json"'
        )
        return response

    @admin.action(
        description="Reset the selected people's second factor (lost phone)",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(
                request, "Only a superuser may reset a second factor.", messages.ERROR
            )
            return
        count = sum(
            1
            for user in queryset.order_by("pk")
            if services.second_factor_reset(user=user, actor=request.user)
        )
        self.message_user(
            request,
            f"Reset the second factor of {count} person(s): they set up a new one at "
            "their next sign-in.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Erase the selected people's personal data (GDPR)",
        permissions=["delete"],
    )
    def erase_data(self, request, queryset):
        if request.POST.get("confirm") == "erase":
            count = 0
            for user in queryset.order_by("pk"):
                gdpr.account_erase(user=user, actor=request.user)
                count += 1
            self.message_user(
                request,
                f"Erased the personal data of {count} person(s).",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/accounts/erase_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Erase personal data",
                "people": queryset.order_by("pk"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class RoleForm(forms.ModelForm):
    own_permissions = forms.ModelMultipleChoiceField(
        Permission.objects.select_related("content_type").order_by(
            "content_type__app_label", "codename"
        ),
        required=False,
        widget=FilteredSelectMultiple("permissions", is_stacked=False),
        help_text="Permissions of this role; it also has every permission of its ancestors.",
    )

    class Meta:
        model = Role
        fields = ("name", "description", "parent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["own_permissions"].initial = list(
                self.instance.permissions.values_list("pk", flat=True)
            )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        try:
            services.role_validate_parent(role=self.instance, parent=parent)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code=RoleCycle.code) from exc
        return parent


@admin.register(Role)
class RoleAdmin(ShopErrorAdminMixin, SimpleHistoryAdmin):
    form = RoleForm
    list_display = ("tree_name", "parent", "own_count", "inherited_permissions")
    search_fields = ("name",)
    list_select_related = ("parent",)

    def get_queryset(self, request):
        # Tree depths and effective permissions for the whole list in two queries (no N+1).
        tree = role_tree()
        self._depths = {role.pk: depth for role, depth in tree}
        self._effective = roles_effective_permissions()
        position = Case(
            *[When(pk=role.pk, then=i) for i, (role, _) in enumerate(tree)],
            default=len(tree),
        )
        return Role.objects.annotate(tree_position=position).prefetch_related(
            "permissions__content_type"
        )

    @admin.display(description="role")
    def tree_name(self, obj):
        depth = self._depths.get(obj.pk, 0)
        return format_html("{}{}", "\u2003" * depth + ("└ " if depth else ""), obj.name)

    @admin.display(description="own permissions")
    def own_count(self, obj):
        return len(obj.permissions.all())

    @admin.display(description="effective permissions (own + inherited)")
    def inherited_permissions(self, obj):
        own = {
            f"{p.content_type.app_label}.{p.codename}" for p in obj.permissions.all()
        }
        effective = sorted(self._effective.get(obj.pk, ()))
        return (
            format_html_join(
                ", ",
                "<span title='{}'>{}</span>",
                ((("own" if p in own else "inherited"), p) for p in effective),
            )
            or "—"
        )

    def get_ordering(self, request):
        # The list shows the tree; elsewhere (e.g. the parent drop-down) roles sort by name.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "accounts_role_changelist":
            return ("tree_position",)
        return ("name",)

    def save_model(self, request, obj, form, change):
        services.role_save(role=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # The form has no model many-to-many field: the permissions are the service's.
        services.role_permissions_set(
            role=form.instance,
            permissions=list(form.cleaned_data["own_permissions"]),
            actor=request.user,
        )

    def delete_model(self, request, obj):
        services.role_delete(role=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # Deepest first: a role selected with its parent goes before the parent.
        for role in sorted(
            queryset, key=lambda role: (-len(role.ancestors()), role.pk)
        ):
            services.role_delete(role=role, actor=request.user)


@admin.register(Lockout)
class LockoutAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    list_display = (
        "scope",
        "key",
        "address",
        "failures",
        "locked_at",
        "locked_until",
        "ended_at",
        "ended_by",
    )
    list_filter = ("scope", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "address")
    readonly_fields = (
        "scope",
        "key",
        "address",
        "failures",
        "locked_at",
        "locked_until",
        "ended_at",
        "ended_by",
    )
    actions = ["end_now"]

    @admin.action(description="End the selected lockouts now", permissions=["change"])
    def end_now(self, request, queryset):
        ended = sum(
            throttle.lockout_end(lockout=lockout, reason="staff", actor=request.user)
            for lockout in queryset.filter(ended_at__isnull=True)
        )
        self.message_user(request, f"Ended {ended} lockout(s).", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        pass  # every field is read-only: a lockout is ended by the action

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # end it instead: the lockout stays on record

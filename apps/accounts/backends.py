"""Authentication with lockout, and permissions from hierarchical roles."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle
from .selectors import user_role_permissions


class RoleBackend(ModelBackend):
    """Email + password sign-in refused while locked out; roles add permissions."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        # The sign-in forms check first (to say why); other callers are checked here.
        checked = getattr(request, "lockout_checked_for", None) == throttle.normalize(
            email or ""
        )
        if (
            email is not None
            and not checked
            and throttle.login_locked(email=email, ip=throttle.request_ip(request))
        ):
            # Stop here (no other backend, no password check): the lockout holds.
            raise PermissionDenied("locked")
        return super().authenticate(
            request, username=email, password=password, **kwargs
        )

    def get_role_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set(user_role_permissions(user_obj.pk))
        return user_obj._role_perm_cache

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return {
            *super().get_all_permissions(user_obj, obj),
            *self.get_role_permissions(user_obj),
        }

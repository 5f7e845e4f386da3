"""Framework hooks only: sign-in, sign-out and failed sign-in become security events."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from apps.auditing.services import audit_record

from . import throttle


@receiver(user_logged_in, dispatch_uid="accounts.login")
def on_login(sender, request, user, **kwargs):
    # Staff sessions are shorter than customers' (SESSION_COOKIE_AGE).
    if user.is_staff and request is not None and hasattr(request, "session"):
        request.session.set_expiry(settings.STAFF_SESSION_AGE)
    throttle.login_success_record(user=user, request=request)
    audit_record(
        "login",
        table_name="accounts_user",
        row_pk=user.pk,
        actor=user,
        data={"ip": throttle.request_ip(request)},
    )


@receiver(user_logged_out, dispatch_uid="accounts.logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            "logout",
            table_name="accounts_user",
            row_pk=user.pk,
            actor=user,
        )


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("username") or credentials.get("email") or ""
    throttle.login_failure_record(email=email, request=request)

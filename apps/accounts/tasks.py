"""Accounts' background work: mail, token purge, lockout expiry."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from apps.auditing.jobs import maintenance_job
from apps.auditing.models import JobRun

from . import throttle
from .models import AccountToken
from .tokens import token_hash, token_live, token_raw

log = logging.getLogger(__name__)

SUBJECTS = {
    "verify_email": "Confirm your email address",
    "password_reset": "Reset your password",
}
PATHS = {
    "verify_email": "/account/verify/{token}/",
    "password_reset": "/account/password-reset/{token}/",
}


@shared_task(
    name="accounts.account_token_mail_task",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def account_token_mail_task(*, token_id: int) -> bool:
    """Mail the link of a verification or password-reset token, given only its id.

    The broker carries the id; the link is derived here (`token_raw`). A token used,
    superseded or expired by the time the task runs is not mailed.
    """
    token = AccountToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None or not token_live(token):
        return False
    raw = token_raw(token)
    if token_hash(raw) != token.token_hash:
        log.warning(
            "token %s was issued under another secret key; not mailed", token_id
        )
        return False
    kind, user = token.purpose, token.user
    context = {
        "user": user,
        "link": settings.SITE_URL.rstrip("/") + PATHS[kind].format(token=raw),
        "site_name": settings.SITE_NAME,
        "hours": (
            settings.ACCOUNTS_VERIFY_TTL
            if kind == "verify_email"
            else settings.ACCOUNTS_RESET_TTL
        )
        // 3600,
    }
    body = render_to_string(f"account/email/{kind}.txt", context)
    send_mail(
        f"{settings.SITE_NAME}: {SUBJECTS[kind]}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    return True


@maintenance_job("accounts.tokens_purge", schedule=crontab(minute=17))
def tokens_purge_task(run: JobRun) -> int:
    """Delete tokens expired, used or superseded more than ACCOUNTS_TOKEN_RETENTION_DAYS ago."""
    cutoff = timezone.now() - dt.timedelta(days=settings.ACCOUNTS_TOKEN_RETENTION_DAYS)
    dead = (
        Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff) | Q(superseded_at__lt=cutoff)
    )
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                AccountToken.objects.select_for_update(skip_locked=True)
                .filter(dead)
                .order_by("pk")
                .values_list("pk", flat=True)[: settings.JOB_BATCH_SIZE]
            )
            if not ids:
                break
            deleted, _ = AccountToken.objects.filter(pk__in=ids).delete()
            total += deleted
    return total


@maintenance_job("accounts.lockouts_expire", schedule=crontab(minute="*"))
def lockouts_expire_task(run: JobRun) -> int:
    """End sign-in lockouts whose time is up (each end is audited)."""
    total = 0
    while ended := throttle.lockouts_expire(batch_size=settings.JOB_BATCH_SIZE):
        total += ended
    return total

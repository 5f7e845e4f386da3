"""Sign-in throttling: failures counted in Redis per account and per IP; lockouts in the database.

A lockout is a row (so staff see it and it survives a Redis restart); reaching it and its end
are both in the audit trail. The counters live in Redis with the window as their TTL.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors
from apps.auditing.middleware import client_ip
from apps.auditing.services import audit_record

from .errors import AccountLocked
from .models import Lockout, User

LOCKOUT_ERRORS = {"accounts_lockout_one_active": AccountLocked}

log = logging.getLogger(__name__)


def request_ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def normalize(email: str) -> str:
    return (email or "").strip().lower()[:254]


def login_locked(*, email: str, ip: str | None) -> Lockout | None:
    """The active lockout covering this email or IP, if any."""
    keys = Q(scope=Lockout.Scope.ACCOUNT, key=normalize(email))
    if ip:
        keys |= Q(scope=Lockout.Scope.IP, key=ip)
    return (
        Lockout.objects.filter(
            keys, ended_at__isnull=True, locked_until__gt=timezone.now()
        )
        .order_by("-locked_until")
        .first()
    )


def _count_failure(scope: str, key: str) -> int | None:
    """Increment the failure counter; None when Redis cannot be reached."""
    from django_redis import get_redis_connection
    from redis.exceptions import RedisError

    name = f"accounts:login-failures:{scope}:{key}"
    try:
        client = get_redis_connection("default")
        pipe = client.pipeline()
        pipe.incr(name)
        pipe.expire(name, settings.ACCOUNTS_LOCKOUT_WINDOW, nx=True)
        count, _ = pipe.execute()
        return int(count)
    except (RedisError, OSError):
        log.warning(
            "login failure counter unavailable (Redis down); counting from the audit trail"
        )
        return None


def _reset_failures(scope: str, key: str) -> None:
    from django_redis import get_redis_connection
    from redis.exceptions import RedisError

    try:
        get_redis_connection("default").delete(f"accounts:login-failures:{scope}:{key}")
    except (RedisError, OSError):
        log.warning("could not reset login failure counter (Redis down)")


def _count_from_trail(user_id: int) -> int:
    from apps.auditing.models import AuditEvent

    since = timezone.now() - dt.timedelta(seconds=settings.ACCOUNTS_LOCKOUT_WINDOW)
    return AuditEvent.objects.filter(
        table_name="accounts_user",
        row_pk=str(user_id),
        action="login_failed",
        occurred_at__gte=since,
    ).count()


def _lock(scope: str, key: str, failures: int, user_id: int | None) -> Lockout | None:
    until = timezone.now() + dt.timedelta(seconds=settings.ACCOUNTS_LOCKOUT_DURATION)
    try:
        with constraint_errors(LOCKOUT_ERRORS):
            lockout = Lockout.objects.create(
                scope=scope, key=key, locked_until=until, failures=failures
            )
    except AccountLocked:
        return None  # another request locked it a moment ago
    audit_record(
        "lockout",
        table_name="accounts_user" if user_id else None,
        row_pk=user_id,
        data={
            "scope": scope,
            "key": key,
            "failures": failures,
            "until": until.isoformat(),
        },
    )
    _reset_failures(scope, key)
    return lockout


@transaction.atomic
def login_failure_record(*, email: str, request) -> Lockout | None:
    """Count a failed sign-in, audit it, and lock the account or IP at the threshold."""
    email_key = normalize(email)
    ip = request_ip(request)
    user_id = (
        User.objects.filter(email__iexact=email_key)
        .values_list("pk", flat=True)
        .first()
    )
    active = login_locked(email=email_key, ip=ip)
    audit_record(
        "login_failed",
        table_name="accounts_user" if user_id else None,
        row_pk=user_id,
        data={
            "email": email_key,
            "ip": ip,
            "reason": "locked" if active else "bad_credentials",
        },
    )
    if active:
        return active
    count = _count_failure(Lockout.Scope.ACCOUNT, email_key)
    if count is None and user_id:
        count = _count_from_trail(user_id)
    if count is not None and count >= settings.ACCOUNTS_LOCKOUT_THRESHOLD:
        return _lock(Lockout.Scope.ACCOUNT, email_key, count, user_id)
    if ip:
        ip_count = _count_failure(Lockout.Scope.IP, ip)
        if ip_count is not None and ip_count >= settings.ACCOUNTS_IP_LOCKOUT_THRESHOLD:
            return _lock(Lockout.Scope.IP, ip, ip_count, None)
    return None


def login_success_record(*, user: User) -> None:
    _reset_failures(Lockout.Scope.ACCOUNT, normalize(user.email))


@transaction.atomic
def lockout_end(*, lockout: Lockout, reason: str, actor: User | None = None) -> bool:
    """End a lockout now; audited. False if already ended.

    `reason` is what ended it (expiry, staff, password_reset); `actor` the staff member.
    """
    ended = Lockout.objects.filter(pk=lockout.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=reason
    )
    if not ended:
        return False
    user_id = None
    if lockout.scope == Lockout.Scope.ACCOUNT:
        user_id = (
            User.objects.filter(email__iexact=lockout.key)
            .values_list("pk", flat=True)
            .first()
        )
        _reset_failures(lockout.scope, lockout.key)
    audit_record(
        "lockout_ended",
        table_name="accounts_user" if user_id else None,
        row_pk=user_id,
        data={"scope": lockout.scope, "key": lockout.key, "by": reason},
    )
    return True


def lockouts_expire(*, batch_size: int) -> int:
    """End lockouts whose time is up (one batch, skipping rows another worker holds)."""
    with transaction.atomic():
        due = list(
            Lockout.objects.select_for_update(skip_locked=True)
            .filter(ended_at__isnull=True, locked_until__lte=timezone.now())
            .order_by("pk")[:batch_size]
        )
        return sum(lockout_end(lockout=lockout, reason="expiry") for lockout in due)

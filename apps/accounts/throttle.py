"""Sign-in lockouts and request limits, keyed on the account and the client's address.

The client's address is `apps.auditing.clientip.client_ip` (behind proxies: the entry our own
proxies appended, never one the client wrote). Failed sign-ins are counted in Redis with the
window as their TTL, under three keys, each with its own threshold:

- the pair (account, address) — `ACCOUNTS_LOCKOUT_THRESHOLD`: that account from that address
  is refused, right password or not; the owner signing in from anywhere else is not;
- the address — `ACCOUNTS_IP_LOCKOUT_THRESHOLD`, far higher: the address is refused for every
  account except those that signed in from it successfully before (known clients);
- the account — `ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD`, higher still (many addresses guessing
  one password): the account is refused from every address it has not signed in from before.

A lockout is a row (staff see it, it survives a Redis restart); reaching it and its end are in
the audit trail. See docs/security.md ("Sign-in lockouts and request limits").
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.auditing.clientip import client_ip
from apps.auditing.context import current
from apps.auditing.dberrors import constraint_errors
from apps.auditing.ratelimit import counter_incr, rate_limit, throttle_key
from apps.auditing.services import audit_record
from apps.auditing.vocabulary import Source

from .errors import AccountLocked
from .models import Lockout, User

LOCKOUT_ERRORS = {"accounts_lockout_one_active": AccountLocked}
Scope = Lockout.Scope

log = logging.getLogger(__name__)


def request_ip(request) -> str | None:
    return client_ip(request)


def counted_as(ip: str | None) -> str | None:
    """The address a client is counted under: an IPv4 address as it is, an IPv6 address as
    its /64 (one subscriber's network, in which a client may take any of 2^64 addresses)."""
    if not ip or ":" not in ip:
        return ip
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)


def normalize(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _failures_key(scope: str, key: str, address: str | None = None) -> str:
    return throttle_key("login-failures", scope, key, address or "")


def _known_key(user_id: int, ip: str) -> str:
    return throttle_key("known-client", str(user_id), ip)


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _known_client(email: str, ip: str | None) -> bool:
    """Whether this account has signed in successfully from this address lately."""
    from redis.exceptions import RedisError

    if not ip:
        return False
    user_id = _user_id(email)
    if user_id is None:
        return False
    try:
        return bool(_redis().exists(_known_key(user_id, ip)))
    except (RedisError, OSError):
        return False


def _user_id(email: str) -> int | None:
    return (
        User.objects.filter(email__iexact=normalize(email))
        .values_list("pk", flat=True)
        .first()
    )


def login_locked(*, email: str, ip: str | None) -> Lockout | None:
    """The active lockout refusing this account from this address, if any."""
    email, ip = normalize(email), counted_as(ip)
    keys = Q(scope=Scope.ACCOUNT, key=email)
    if ip:
        keys |= Q(scope=Scope.PAIR, key=email, address=ip) | Q(scope=Scope.IP, key=ip)
    active = list(
        Lockout.objects.filter(
            keys, ended_at__isnull=True, locked_until__gt=timezone.now()
        ).order_by("-locked_until")
    )
    for lockout in active:
        if lockout.scope == Scope.PAIR:
            return lockout
    if active and not _known_client(email, ip):
        return active[0]
    return None


def _count_failure(scope: str, key: str, address: str | None = None) -> int | None:
    """Count a failure; None when Redis cannot be reached."""
    counted = counter_incr(
        _failures_key(scope, key, address), settings.ACCOUNTS_LOCKOUT_WINDOW
    )
    return None if counted is None else counted[0]


def _reset_failures(scope: str, key: str, address: str | None = None) -> None:
    from redis.exceptions import RedisError

    try:
        _redis().delete(_failures_key(scope, key, address))
    except (RedisError, OSError):
        log.warning("could not reset login failure counter (Redis down)")


def _count_from_trail(user_id: int, ip: str | None) -> int:
    from apps.auditing.models import AuditEvent

    since = timezone.now() - dt.timedelta(seconds=settings.ACCOUNTS_LOCKOUT_WINDOW)
    return AuditEvent.objects.filter(
        table_name="accounts_user",
        row_pk=str(user_id),
        action="login_failed",
        occurred_at__gte=since,
        ip=ip,
    ).count()


def _lock(
    scope: str,
    key: str,
    failures: int,
    user_id: int | None,
    address: str | None = None,
) -> Lockout | None:
    until = timezone.now() + dt.timedelta(seconds=settings.ACCOUNTS_LOCKOUT_DURATION)
    try:
        with constraint_errors(LOCKOUT_ERRORS):
            lockout = Lockout.objects.create(
                scope=scope,
                key=key,
                address=address,
                locked_until=until,
                failures=failures,
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
            "address": address,
            "failures": failures,
            "until": until.isoformat(),
        },
    )
    _reset_failures(scope, key, address)
    return lockout


def _reached(count: int | None, threshold: int) -> bool:
    return count is not None and count >= threshold


@transaction.atomic
def login_failure_record(*, email: str, request) -> Lockout | None:
    """Count a failed sign-in, audit it, and lock the pair, address or account at its threshold."""
    email_key = normalize(email)
    ip = request_ip(request)
    where = counted_as(ip)
    user_id = _user_id(email_key)
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
    # Without an address (none could be read) the account alone is the pair's key.
    pair_scope = Scope.PAIR if where else Scope.ACCOUNT
    pair = _count_failure(Scope.PAIR, email_key, where)
    if pair is None and user_id:
        pair = _count_from_trail(user_id, ip)
    ip_count = _count_failure(Scope.IP, where) if where else None
    account = _count_failure(Scope.ACCOUNT, email_key)
    if _reached(pair, settings.ACCOUNTS_LOCKOUT_THRESHOLD):
        return _lock(pair_scope, email_key, pair, user_id, where)
    if _reached(ip_count, settings.ACCOUNTS_IP_LOCKOUT_THRESHOLD):
        return _lock(Scope.IP, where, ip_count, None)
    if _reached(account, settings.ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD):
        return _lock(Scope.ACCOUNT, email_key, account, user_id)
    return None


def login_success_record(*, user: User, request) -> None:
    """Clear the pair's failures and remember the address as a known client of the account."""
    from redis.exceptions import RedisError

    email, ip = normalize(user.email), counted_as(request_ip(request))
    _reset_failures(Scope.PAIR, email, ip)
    if ip:
        try:
            _redis().set(
                _known_key(user.pk, ip),
                1,
                ex=settings.ACCOUNTS_KNOWN_CLIENT_DAYS * 24 * 3600,
            )
        except (RedisError, OSError):
            log.warning("could not remember the known client (Redis down)")


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
    if lockout.scope in (Scope.ACCOUNT, Scope.PAIR):
        user_id = _user_id(lockout.key)
        _reset_failures(lockout.scope, lockout.key, lockout.address)
    audit_record(
        "lockout_ended",
        table_name="accounts_user" if user_id else None,
        row_pk=user_id,
        data={
            "scope": lockout.scope,
            "key": lockout.key,
            "address": lockout.address,
            "by": reason,
        },
    )
    return True


def account_lockouts_end(*, email: str, reason: str) -> int:
    """End the account's lockout and its pair from the current client's address.

    Its owner is proven (a password reset) at this address; pairs of other addresses, where
    someone else was guessing, stay until they expire.
    """
    ctx = current()
    ip = counted_as(ctx.ip) if ctx is not None else None
    scope = Q(scope=Scope.ACCOUNT)
    if ip:
        scope |= Q(scope=Scope.PAIR, address=ip)
    lockouts = Lockout.objects.filter(
        scope, key=normalize(email), ended_at__isnull=True
    ).order_by("pk")
    return sum(lockout_end(lockout=lockout, reason=reason) for lockout in lockouts)


def lockouts_expire(*, batch_size: int) -> int:
    """End lockouts whose time is up (one batch, skipping rows another worker holds)."""
    with transaction.atomic():
        due = list(
            Lockout.objects.select_for_update(skip_locked=True)
            .filter(ended_at__isnull=True, locked_until__lte=timezone.now())
            .order_by("pk")[:batch_size]
        )
        return sum(lockout_end(lockout=lockout, reason="expiry") for lockout in due)


def request_limit(action: str, *, account: str) -> None:
    """Count one storefront request of `action` for the account and the client's address.

    RateLimited (429) past `ACCOUNTS_RATE_LIMITS[action]` within `ACCOUNTS_RATE_WINDOW`.
    Only storefront requests count: staff in the back office, tasks and commands are not
    limited. The address is the audit context's (`client_ip` of the request).
    """
    ctx = current()
    if ctx is None or ctx.source != Source.WEB:
        return
    limits, window = (
        settings.ACCOUNTS_RATE_LIMITS[action],
        settings.ACCOUNTS_RATE_WINDOW,
    )
    rate_limit(
        name=f"{action}:account",
        key=normalize(account),
        limit=limits["account"],
        window=window,
    )
    if ctx.ip:
        rate_limit(
            name=f"{action}:ip",
            key=counted_as(ctx.ip),
            limit=limits["ip"],
            window=window,
        )

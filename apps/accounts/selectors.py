"""Reads with meaning: effective permissions, the role tree."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role

VERSION_KEY = "accounts:perms:version"

_PERMISSIONS_SQL = """
WITH RECURSIVE chain(id) AS (
    {seed}
    UNION
    SELECT r.parent_id FROM accounts_role r JOIN chain c ON r.id = c.id WHERE r.parent_id IS NOT NULL
)
SELECT DISTINCT ct.app_label || '.' || p.codename
FROM chain
JOIN accounts_rolepermission rp ON rp.role_id = chain.id
JOIN auth_permission p ON p.id = rp.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
"""
_USER_SEED = "SELECT role_id FROM accounts_userrole WHERE user_id = %s"
_ROLE_SEED = "SELECT %s::bigint"


def _permissions(seed: str, param: int) -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute(_PERMISSIONS_SQL.format(seed=seed), [param])
        return frozenset(row[0] for row in cursor.fetchall())


def permissions_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def user_role_permissions(user_id: int) -> frozenset[str]:
    """Every permission the user's roles give, ancestors' included (cached in Redis)."""
    key = f"accounts:perms:{permissions_version()}:{user_id}"
    cached = cache.get(key)
    if cached is not None:
        return frozenset(cached)
    perms = _permissions(_USER_SEED, user_id)
    cache.set(key, sorted(perms), timeout=settings.ACCOUNTS_PERMISSION_CACHE_TTL)
    return perms


def role_effective_permissions(role_id: int) -> frozenset[str]:
    """A role's own permissions plus all its ancestors'."""
    return _permissions(_ROLE_SEED, role_id)


def role_tree() -> list[tuple[Role, int]]:
    """All roles in tree order with their depth (for display)."""
    roles = list(Role.objects.all())
    children: dict[int | None, list[Role]] = {}
    for role in roles:
        children.setdefault(role.parent_id, []).append(role)
    ordered: list[tuple[Role, int]] = []

    def walk(parent_id, depth):
        for role in sorted(children.get(parent_id, []), key=lambda r: r.name):
            ordered.append((role, depth))
            walk(role.pk, depth + 1)

    walk(None, 0)
    return ordered


def roles_effective_permissions() -> dict[int, frozenset[str]]:
    """Every role's effective permissions, in one query."""
    sql = """
        WITH RECURSIVE anc(role_id, ancestor_id) AS (
            SELECT id, id FROM accounts_role
            UNION
            SELECT a.role_id, r.parent_id FROM anc a JOIN accounts_role r ON r.id = a.ancestor_id
            WHERE r.parent_id IS NOT NULL
        )
        SELECT a.role_id, ct.app_label || '.' || p.codename
        FROM anc a
        JOIN accounts_rolepermission rp ON rp.role_id = a.ancestor_id
        JOIN auth_permission p ON p.id = rp.permission_id
        JOIN django_content_type ct ON ct.id = p.content_type_id
    """
    result: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for role_id, perm in cursor.fetchall():
            result.setdefault(role_id, set()).add(perm)
    return {k: frozenset(v) for k, v in result.items()}


# --- the second factor (TOTP) -------------------------------------------------------------


def second_factor_device(user) -> TOTPDevice | None:
    """The staff member's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_required(user) -> bool:
    """Superusers always sign in with a second factor; other staff once they set one up."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return user.is_superuser or second_factor_device(user) is not None


def second_factor_verified(request) -> bool:
    """Whether this session gave a code of the signed-in user's confirmed device.

    django-otp keeps the device in the session (django_otp.login); it is looked up again on
    each request, so a device removed (a reset) ends the sessions it let in. (Its own
    OTPMiddleware is not used: it sets `user.is_verified`, which is the email check here.)
    """
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.confirmed and device.user_id == request.user.pk


def second_factor_passed(request) -> bool:
    """Whether this session may use the back office as far as the second factor goes.

    Asked several times a request (the admin's permission check, its page context): the
    answer is kept on the request for the user it was given for.
    """
    known = getattr(request, "_second_factor_passed", {})
    key = request.user.pk
    if key not in known:
        known[key] = second_factor_verified(request) or not second_factor_required(
            request.user
        )
        request._second_factor_passed = known
    return known[key]

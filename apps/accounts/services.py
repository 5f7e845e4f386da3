"""Every write of the accounts app.

`user` names the account a service works on. A person acting on their own account (profile,
password, preferences) is that user; where someone else may act (staff in the back office),
the service also takes `actor`: the acting person, or None for the system.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.auditing.dberrors import constraint_errors
from apps.auditing.services import audit_record

from . import throttle
from .errors import EmailTaken, PreferencesInvalid, RoleCycle, RoleInUse
from .models import AccountToken, Address, Role, RolePermission, User, UserRole
from .preferences import preferences_effective, preferences_validate
from .selectors import VERSION_KEY
from .tokens import token_consume, token_issue, token_raw

PROFILE_FIELDS = ("full_name", "phone")
USER_FIELDS = (
    "email",
    "full_name",
    "phone",
    "preferences",
    "is_active",
    "is_staff",
    "is_superuser",
)
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")
EMAIL_ERRORS = {"accounts_user_email_unique_alive": EmailTaken}
PREFERENCES_ERRORS = {"accounts_user_preferences_known_keys": PreferencesInvalid}
ROLE_ERRORS = {
    "accounts_role_no_cycle": RoleCycle,
    "accounts_role_not_own_parent": RoleCycle,
}


def _mail_after_commit(token: AccountToken) -> None:
    """Mail the token's link after commit; the task is given the token's id, never its value."""
    from .tasks import account_token_mail_task

    transaction.on_commit(lambda: account_token_mail_task.delay(token_id=token.pk))


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str = "") -> User:
    """Create a customer account and send the verification email.

    Storefront sign-ups are limited per address and per email (`throttle.request_limit`).
    """
    throttle.request_limit("signup", account=email)
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    candidate = User(email=email, full_name=full_name)
    password_validation.validate_password(password, candidate)
    with constraint_errors(EMAIL_ERRORS):  # a concurrent sign-up with the same email
        user = User.objects.create_user(
            email=email, password=password, full_name=full_name
        )
    audit_record(
        "signup",
        table_name="accounts_user",
        row_pk=user.pk,
        actor=user,
    )
    _verification_mail(user)
    return user


@transaction.atomic
def email_verification_send(*, user: User) -> str:
    """Issue a verification token (older ones stop working) and mail it after commit.

    Storefront resends are limited per address and per account.
    """
    throttle.request_limit("verify_resend", account=user.email)
    return _verification_mail(user)


def _verification_mail(user: User) -> str:
    token = token_issue(
        user=user,
        purpose=AccountToken.Purpose.VERIFY_EMAIL,
        ttl_seconds=settings.ACCOUNTS_VERIFY_TTL,
    )
    _mail_after_commit(token)
    return token_raw(token)


@transaction.atomic
def email_verify(*, raw_token: str) -> User:
    """Mark the email verified with a single-use token."""
    token = token_consume(raw=raw_token, purpose=AccountToken.Purpose.VERIFY_EMAIL)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    audit_record(
        "email_verified",
        table_name="accounts_user",
        row_pk=user.pk,
        data={"email": user.email},
    )
    return user


@transaction.atomic
def password_reset_request(*, email: str) -> str | None:
    """Mail a reset link if an active account has this email (the caller never says which).

    Storefront requests are limited per address and per email asked about, known or not.
    """
    throttle.request_limit("password_reset", account=email)
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    audit_record(
        "password_reset_requested",
        table_name="accounts_user" if user else None,
        row_pk=user.pk if user else None,
        data={"email": throttle.normalize(email), "known": user is not None},
    )
    if user is None:
        return None
    token = token_issue(
        user=user,
        purpose=AccountToken.Purpose.PASSWORD_RESET,
        ttl_seconds=settings.ACCOUNTS_RESET_TTL,
    )
    _mail_after_commit(token)
    return token_raw(token)


@transaction.atomic
def password_reset_complete(*, raw_token: str, new_password: str) -> User:
    """Set a new password with a reset token; ends the account's lockouts."""
    token = token_consume(raw=raw_token, purpose=AccountToken.Purpose.PASSWORD_RESET)
    user = token.user
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record("password_reset", table_name="accounts_user", row_pk=user.pk)
    throttle.account_lockouts_end(email=user.email, reason="password_reset")
    return user


def _email_free(email: str, own_pk: int | None = None) -> str:
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exclude(pk=own_pk).exists():
        raise EmailTaken()
    return email


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    """Open an account for someone (back office, commands); no password: none to sign in with."""
    email = _email_free(email)
    if password is not None:
        password_validation.validate_password(
            password, User(email=email, full_name=full_name)
        )
    with constraint_errors(EMAIL_ERRORS):
        user = User.objects.create_user(
            email=email,
            password=password,
            full_name=full_name,
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
    if is_staff or is_superuser:
        permissions_invalidate()
    return user


@transaction.atomic
def user_update(*, user: User, actor: User | None = None, **fields: Any) -> User:
    """Change an account's email, profile, preferences or access (back office)."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"not changeable here: {', '.join(sorted(unknown))}")
    current = User.all_objects.select_for_update().get(pk=user.pk)
    if "email" in fields:
        fields["email"] = _email_free(fields["email"], current.pk)
    if "preferences" in fields:
        fields["preferences"] = preferences_validate(fields["preferences"])
    changed = [
        name for name, value in fields.items() if getattr(current, name) != value
    ]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, fields[name])
    if actor is not None:
        current._history_user = actor
    with constraint_errors({**EMAIL_ERRORS, **PREFERENCES_ERRORS}):
        current.save(update_fields=changed)
    if set(changed) & set(ACCESS_FIELDS):
        permissions_invalidate()
    return current


@transaction.atomic
def user_delete(*, user: User, actor: User | None = None) -> None:
    """Close an account (soft delete): it cannot sign in, and it can be restored."""
    user.soft_delete()
    permissions_invalidate()


@transaction.atomic
def user_restore(*, user: User, actor: User | None = None) -> None:
    """Reopen a closed account; refused (RestoreConflict) if an open one has its email."""
    user.restore()
    permissions_invalidate()


@transaction.atomic
def password_set(
    *, user: User, password: str | None, actor: User | None = None
) -> User:
    """Set someone's password from the back office (None: no password sign-in at all)."""
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        "password_change",
        table_name="accounts_user",
        row_pk=user.pk,
        data={"by_staff": actor is not None, "usable": password is not None},
    )
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    """Change a signed-in user's password (the form has checked the old one)."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record("password_change", table_name="accounts_user", row_pk=user.pk)


@transaction.atomic
def profile_update(*, user: User, full_name: str, phone: str) -> User:
    """Change a user's name and phone."""
    user.full_name, user.phone = full_name.strip(), phone.strip()
    user.save(update_fields=list(PROFILE_FIELDS))
    return user


@transaction.atomic
def preferences_update(*, user: User, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge and validate preference changes; records a preference_change security event."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = dict(locked.preferences)
    after = preferences_validate({**before, **changes})
    diff = {
        key: [preferences_effective(before)[key], value]
        for key, value in after.items()
        if preferences_effective(before)[key] != value
    }
    if diff:
        locked.preferences = after
        with constraint_errors(PREFERENCES_ERRORS):
            locked.save(update_fields=["preferences"])
        audit_record(
            "preference_change", table_name="accounts_user", row_pk=user.pk, data=diff
        )
    user.preferences = after
    return diff


ADDRESS_FIELDS = (
    "kind",
    "full_name",
    "company",
    "line1",
    "line2",
    "city",
    "postal_code",
    "region",
    "country",
    "phone",
)


def _unset_default(user: User, kind: str, keep: int | None = None) -> None:
    # Lock the person's addresses in pk order so two default changes cannot interleave.
    list(
        Address.objects.select_for_update()
        .filter(user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Address.objects.filter(user=user, kind=kind, is_default=True).exclude(
        pk=keep
    ).update(is_default=False)


@transaction.atomic
def address_create(
    *,
    user: User,
    data: dict[str, Any],
    make_default: bool = False,
    actor: User | None = None,
) -> Address:
    """Add an address; the first of its kind becomes the default."""
    fields = {k: data.get(k, "") for k in ADDRESS_FIELDS}
    fields["country"] = fields["country"].upper()
    # One address write per person at a time: two first addresses added at once would both
    # become the default, and the one-default rule would refuse the second with a 500.
    User._base_manager.select_for_update().filter(pk=user.pk).first()
    is_first = not Address.objects.filter(user=user, kind=fields["kind"]).exists()
    if make_default or is_first:
        _unset_default(user, fields["kind"])
    address = Address(user=user, is_default=make_default or is_first, **fields)
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_update(
    *, address: Address, data: dict[str, Any], actor: User | None = None
) -> Address:
    """Edit an address; changing its kind gives up its default flag.

    The default flag is the services' (`address_set_default`): it is taken from the stored
    row, whatever the caller's copy says.
    """
    stored = Address.all_objects.select_for_update().get(pk=address.pk)
    address.is_default = (
        stored.is_default and data.get("kind", stored.kind) == stored.kind
    )
    for key in ADDRESS_FIELDS:
        if key in data:
            setattr(address, key, data[key].upper() if key == "country" else data[key])
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_set_default(*, address: Address, actor: User | None = None) -> Address:
    """Make this the default address of its kind (one service call, one default)."""
    _unset_default(address.user, address.kind, keep=address.pk)
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def address_delete(*, address: Address, actor: User | None = None) -> None:
    """Soft-delete an address; another address of its kind becomes the default."""
    address.soft_delete()
    if address.is_default:
        Address.all_objects.filter(pk=address.pk).update(is_default=False)
        successor = (
            Address.objects.filter(user=address.user, kind=address.kind)
            .order_by("pk")
            .first()
        )
        if successor is not None:
            address_set_default(address=successor, actor=actor)


def permissions_invalidate() -> None:
    """Make every cached permission set stale (after the current transaction commits)."""

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)

    transaction.on_commit(bump)


@transaction.atomic
def role_grant(*, user: User, role: Role, actor: User | None = None) -> UserRole:
    """Give a user a role; role holders are staff and can sign in to the back office."""
    grant, created = UserRole.objects.get_or_create(
        user=user, role=role, defaults={"granted_by_id": actor.pk if actor else None}
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        audit_record(
            "role_granted",
            table_name="accounts_user",
            row_pk=user.pk,
            data={"role": role.name},
        )
        permissions_invalidate()
    return grant


@transaction.atomic
def role_revoke(*, user: User, role: Role, actor: User | None = None) -> bool:
    """Take a role away from a user."""
    deleted, _ = UserRole.objects.filter(user=user, role=role).delete()
    if deleted:
        audit_record(
            "role_revoked",
            table_name="accounts_user",
            row_pk=user.pk,
            data={"role": role.name},
        )
        permissions_invalidate()
    return bool(deleted)


@transaction.atomic
def role_save(*, role: Role, actor: User | None = None) -> Role:
    """Create or edit a role; a parent that would make a cycle is refused."""
    if actor is not None:
        role._history_user = actor
    with constraint_errors(ROLE_ERRORS):
        role.save()
    permissions_invalidate()
    return role


@transaction.atomic
def role_delete(*, role: Role, actor: User | None = None) -> None:
    """Delete a role nobody holds and no role inherits from."""
    if role.grants.exists() or role.children.exists():
        raise RoleInUse()
    if actor is not None:
        role._history_user = actor
    role.delete()
    permissions_invalidate()


@transaction.atomic
def role_permissions_set(
    *, role: Role, permissions: list[Permission], actor: User | None = None
) -> None:
    """Replace a role's own permissions."""
    wanted = {p.pk for p in permissions}
    current = set(
        RolePermission.objects.filter(role=role).values_list("permission_id", flat=True)
    )
    RolePermission.objects.filter(
        role=role, permission_id__in=current - wanted
    ).delete()
    RolePermission.objects.bulk_create(
        [RolePermission(role=role, permission_id=pk) for pk in wanted - current]
    )
    if wanted != current:
        audit_record(
            "role_permissions_changed",
            table_name="accounts_role",
            row_pk=role.pk,
            data={
                "added": sorted(wanted - current),
                "removed": sorted(current - wanted),
            },
        )
        permissions_invalidate()


def role_validate_parent(*, role: Role, parent: Role | None) -> None:
    """Friendly check before saving (the database refuses a cycle regardless)."""
    node = parent
    while node is not None:
        if role.pk is not None and node.pk == role.pk:
            raise ValidationError(RoleCycle.default_message, code=RoleCycle.code)
        node = node.parent


# --- the second factor (TOTP) -------------------------------------------------------------


def _totp_token(token: str) -> int | None:
    token = (token or "").strip().replace(" ", "")
    return int(token) if token.isdigit() and len(token) <= 8 else None


@transaction.atomic
def second_factor_enrol(*, user: User, key: str, token: str) -> TOTPDevice | None:
    """Set up a staff member's authenticator app from its first code; None when it is wrong.

    The new app replaces any earlier one (a person keeps one authenticator).
    """
    device = TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=True)
    code = _totp_token(token)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if code is None or not totp.verify(code, device.tolerance):
        audit_record(
            "second_factor_failed",
            table_name="accounts_user",
            row_pk=user.pk,
            actor=user,
            data={"step": "enrol"},
        )
        return None
    device.last_t = totp.t()
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    audit_record(
        "second_factor_enrolled", table_name="accounts_user", row_pk=user.pk, actor=user
    )
    return device


def second_factor_verify(*, user: User, token: str) -> TOTPDevice | None:
    """Check a staff member's one-time code; the device when it is right, else None.

    A code is accepted once (django-otp remembers the last time step used), and each wrong
    code doubles the wait before the next try (OTP_TOTP_THROTTLE_FACTOR).
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        # verify_token records a failure on the device (the throttle), so it is kept.
        verified = device is not None and device.verify_token(
            str(_totp_token(token) or "")
        )
        audit_record(
            "second_factor_verified" if verified else "second_factor_failed",
            table_name="accounts_user",
            row_pk=user.pk,
            actor=user,
            data={} if verified else {"step": "verify"},
        )
    return device if verified else None


@transaction.atomic
def second_factor_reset(*, user: User, actor: User | None = None) -> int:
    """Remove a staff member's authenticator app (lost phone); they set up a new one."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        audit_record(
            "second_factor_reset",
            table_name="accounts_user",
            row_pk=user.pk,
            actor=actor,
        )
    return removed

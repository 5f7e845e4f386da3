"""Single-use, expiring tokens stored only as a SHA-256 hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .errors import TokenExpired, TokenInvalid, TokenSuperseded, TokenUsed
from .models import AccountToken, User

MAX_TOKEN_LENGTH = 100


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, purpose: str, ttl_seconds: int) -> str:
    """Create a token for `user`; earlier live tokens of the same purpose stop working."""
    User.all_objects.select_for_update().filter(
        pk=user.pk
    ).first()  # one issuer per user at a time
    now = timezone.now()
    AccountToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)
    raw = secrets.token_urlsafe(32)
    AccountToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=token_hash(raw),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    )
    return raw


@transaction.atomic
def token_consume(*, raw: str, purpose: str) -> AccountToken:
    """Use a token once; raise a clear error if it is unknown, used, superseded or expired."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    token = (
        AccountToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=token_hash(raw), purpose=purpose)
        .first()
    )
    _check(token)
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return token


def token_peek(*, raw: str, purpose: str) -> AccountToken:
    """Check a token without using it (to show the confirmation form)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    token = (
        AccountToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), purpose=purpose)
        .first()
    )
    _check(token)
    return token


def _check(token: AccountToken | None) -> None:
    if token is None or token.user.deleted_at is not None:
        raise TokenInvalid()
    if token.used_at is not None:
        raise TokenUsed()
    if token.superseded_at is not None:
        raise TokenSuperseded()
    if token.expires_at <= timezone.now():
        raise TokenExpired()

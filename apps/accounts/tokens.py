"""Single-use, expiring tokens stored only as a SHA-256 hash.

A token's value is an HMAC, under the secret key, of what its row fixes for ever (account,
purpose, the microsecond it was issued): the database alone cannot give it back, and the mail
task, which is handed only the row's id, derives the link itself, so no usable token ever
travels through the Celery broker. A changed secret key makes outstanding links invalid.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .errors import TokenError, TokenExpired, TokenInvalid, TokenSuperseded, TokenUsed
from .models import AccountToken, User

MAX_TOKEN_LENGTH = 100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_raw(token: AccountToken) -> str:
    """The token's value (for the link in a mail); never stored, derived again on demand."""
    issued = (token.created_at - _EPOCH) // dt.timedelta(microseconds=1)
    message = f"{token.user_id}:{token.purpose}:{issued}"
    return salted_hmac("apps.accounts.tokens", message, algorithm="sha256").hexdigest()


def token_live(token: AccountToken) -> bool:
    """Whether the token can still be used (unused, not superseded, not expired)."""
    try:
        _check(token)
    except TokenError:
        return False
    return True


@transaction.atomic
def token_issue(*, user: User, purpose: str, ttl_seconds: int) -> AccountToken:
    """Create a token for `user`; earlier live tokens of the same purpose stop working."""
    User.all_objects.select_for_update().filter(
        pk=user.pk
    ).first()  # one issuer per user at a time
    now = timezone.now()
    AccountToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)
    token = AccountToken(
        user=user,
        purpose=purpose,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    )
    token.token_hash = token_hash(token_raw(token))
    token.save(force_insert=True)
    return token


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

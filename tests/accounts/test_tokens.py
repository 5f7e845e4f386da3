"""Email verification and password reset: single-use, expiring, superseded, clear pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts import services
from apps.accounts.errors import TokenExpired, TokenInvalid, TokenSuperseded, TokenUsed
from apps.accounts.models import AccountToken, User
from tests.accounts.factories import PASSWORD, UserFactory, tokens_backdate

pytestmark = pytest.mark.django_db


def _link_token(message) -> str:
    return re.search(
        r"/account/(?:verify|password-reset)/([^/\s]+)/", message.body
    ).group(1)


def test_sign_up_sends_a_verification_mail_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_register(
            email="new@example.com", password=PASSWORD, full_name="New Person"
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "http://testserver/account/verify/" in mail.outbox[0].body
    raw = _link_token(mail.outbox[0])
    assert AccountToken.objects.get(user=user).token_hash != raw


def test_no_mail_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.user_register(email="rollback@example.com", password=PASSWORD)
            raise RuntimeError("abort")
    assert mail.outbox == []
    assert not User.all_objects.filter(email="rollback@example.com").exists()


def test_verification_token_is_single_use():
    user = UserFactory()
    raw = services.email_verification_send(user=user)
    assert services.email_verify(raw_token=raw).email_verified_at is not None
    with pytest.raises(TokenUsed):
        services.email_verify(raw_token=raw)


def test_expired_token_is_refused(settings):
    user = UserFactory()
    raw = services.email_verification_send(user=user)
    tokens_backdate(
        AccountToken.objects.filter(user=user),
        created_at=timezone.now() - dt.timedelta(days=2),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(TokenExpired):
        services.email_verify(raw_token=raw)
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_newer_token_supersedes_the_older():
    user = UserFactory()
    old = services.email_verification_send(user=user)
    new = services.email_verification_send(user=user)
    with pytest.raises(TokenSuperseded):
        services.email_verify(raw_token=old)
    assert services.email_verify(raw_token=new).is_verified


@pytest.mark.parametrize("raw", ["", "x" * 500, "tampered-token-value"])
def test_tampered_token_is_invalid(raw):
    with pytest.raises(TokenInvalid):
        services.email_verify(raw_token=raw)


def test_verification_ttl_follows_the_setting(settings):
    settings.ACCOUNTS_VERIFY_TTL = 3600
    user = UserFactory()
    services.email_verification_send(user=user)
    token = AccountToken.objects.get(user=user)
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("case", "status", "text"),
    [
        ("used", 410, b"already been used"),
        ("expired", 410, b"has expired"),
        ("superseded", 410, b"newer link"),
        ("tampered", 400, b"not valid"),
    ],
)
def test_verify_page_explains_a_bad_link_and_changes_nothing(
    client, case, status, text
):
    user = UserFactory()
    raw = services.email_verification_send(user=user)
    if case == "used":
        services.email_verify(raw_token=raw)
    elif case == "expired":
        tokens_backdate(
            AccountToken.objects.filter(user=user),
            expires_at=timezone.now() - dt.timedelta(seconds=1),
            created_at=timezone.now() - dt.timedelta(days=1),
        )
    elif case == "superseded":
        services.email_verification_send(user=user)
    elif case == "tampered":
        raw = raw[:-3] + "abc"
    before = user.__class__.objects.get(pk=user.pk).email_verified_at
    for response in (
        client.get(f"/account/verify/{raw}/"),
        client.post(f"/account/verify/{raw}/"),
    ):
        assert response.status_code == status
        assert text in response.content
    assert user.__class__.objects.get(pk=user.pk).email_verified_at == before


def test_verify_page_confirms_on_post_not_on_get(client):
    user = UserFactory()
    raw = services.email_verification_send(user=user)
    response = client.get(f"/account/verify/{raw}/")
    assert (
        response.status_code == 200 and b"Confirm my email address" in response.content
    )
    user.refresh_from_db()
    assert user.email_verified_at is None
    response = client.post(f"/account/verify/{raw}/")
    assert response.status_code == 200 and b"Email confirmed" in response.content
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_password_reset_flow(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/password-reset/", {"email": "RESET@example.com"}
        )
    assert response.status_code == 200 and b"Check your email" in response.content
    raw = _link_token(mail.outbox[0])
    response = client.post(
        f"/account/password-reset/{raw}/",
        {"password1": "a new long secret 9", "password2": "a new long secret 9"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long secret 9")
    response = client.post(
        f"/account/password-reset/{raw}/",
        {"password1": "another one 99x", "password2": "another one 99x"},
    )
    assert response.status_code == 410
    user.refresh_from_db()
    assert user.check_password("a new long secret 9")


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/password-reset/", {"email": "nobody@example.com"}
        )
    assert response.status_code == 200 and b"If an account exists" in response.content
    assert mail.outbox == []


def test_password_reset_rejects_a_weak_password_and_keeps_the_token(client):
    user = UserFactory()
    raw = services.password_reset_request(email=user.email)
    response = client.post(
        f"/account/password-reset/{raw}/", {"password1": "123", "password2": "123"}
    )
    assert response.status_code == 400 and b"too short" in response.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AccountToken.objects.get(user=user, purpose="password_reset").used_at is None


def test_reset_ttl_defaults_to_one_hour():
    user = UserFactory()
    services.password_reset_request(email=user.email)
    token = AccountToken.objects.get(user=user, purpose="password_reset")
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)

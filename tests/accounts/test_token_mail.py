"""Reset and verification links: the broker carries a token's id, the worker derives the link."""

from __future__ import annotations

import base64
import json

import pytest
import redis
from django.conf import settings as django_settings

from apps.accounts import services
from apps.accounts.models import AccountToken
from apps.accounts.tasks import account_token_mail_task
from apps.accounts.tokens import token_hash
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_queue():
    """Tasks go to the real broker (Redis) instead of running inline; yields a reader of
    the messages as the broker stores them, and leaves the queue empty."""
    from config.celery import app

    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(queue)
    app.conf.task_always_eager = False
    try:
        yield lambda: [raw.decode() for raw in client.lrange(queue, 0, -1)]
    finally:
        app.conf.task_always_eager = True
        client.delete(queue)


def test_the_broker_never_sees_a_usable_token(
    broker_queue, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory(email="mailme@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        reset = services.password_reset_request(email=user.email)
        verify = services.email_verification_send(user=user)
    messages = broker_queue()
    assert len(messages) == 2 and mailoutbox == []
    secrets = [reset, verify, token_hash(reset), token_hash(verify)]
    enqueued = []
    for stored in messages:
        envelope = json.loads(stored)
        body = base64.b64decode(envelope["body"]).decode()
        assert not [s for s in secrets if s in stored or s in body]
        args, kwargs, _ = json.loads(body)
        assert args == [] and list(kwargs) == ["token_id"]
        enqueued.append(kwargs)
    tokens = AccountToken.objects.filter(user=user)
    assert sorted(k["token_id"] for k in enqueued) == sorted(t.pk for t in tokens)

    # The worker, given only the ids, mails links that work.
    for kwargs in enqueued:
        assert account_token_mail_task.apply(kwargs=kwargs).get() is True
    (reset_mail,) = [m for m in mailoutbox if "Reset your password" in m.subject]
    (verify_mail,) = [m for m in mailoutbox if "Confirm your email" in m.subject]
    assert f"/account/password-reset/{reset}/" in reset_mail.body
    assert f"/account/verify/{verify}/" in verify_mail.body
    assert services.email_verify(raw_token=verify).is_verified


def test_a_token_superseded_before_the_worker_runs_is_not_mailed(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        services.password_reset_request(email=user.email)
        newest = services.password_reset_request(email=user.email)
    for callback in callbacks:
        callback()
    (mail,) = mailoutbox
    assert newest in mail.body


def test_a_token_issued_under_another_secret_key_is_not_mailed(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        services.password_reset_request(email=user.email)
    settings.SECRET_KEY = "another secret key for this test only"
    for callback in callbacks:
        callback()
    assert mailoutbox == []

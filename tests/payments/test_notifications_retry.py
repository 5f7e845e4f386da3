"""Notifications stored but never processed: the retry job applies each once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.auditing.jobs import JOBS, job_execute, load_all_jobs
from apps.orders.models import OutboxEvent
from apps.payments import services
from apps.payments.errors import PaymentPending
from apps.payments.gateway import TOKEN_APPROVE
from apps.payments.models import (
    Dispute,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentTransaction,
)

from .conftest import key

URL = reverse("payments:notification", args=["dummy"])


def _stored(gateway, type: str, *, age: int = 120, **data) -> GatewayNotification:
    """A notification stored `age` seconds ago by a worker that stopped before applying it."""
    body, _headers = gateway.notification(type, **data)
    payload = json.loads(body)
    return GatewayNotification.objects.create(
        gateway="dummy",
        event_id=payload["id"],
        type=payload["type"],
        payload=payload,
        received_at=timezone.now() - dt.timedelta(seconds=age),
    )


def _lost_authorization(order, gateway) -> PaymentAttempt:
    """The charge went through at the gateway, its answer never came back."""
    gateway.fail_next("authorize", "network_error")
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
        )
    return PaymentAttempt.objects.get(payment__order=order)


def _ledger() -> list[tuple]:
    return list(
        PaymentTransaction.objects.order_by("id").values_list(
            "kind", "amount", "outcome"
        )
    )


def _state() -> tuple:
    """Everything applying a notification may change."""
    return (
        _ledger(),
        list(PaymentAttempt.objects.order_by("id").values_list("status", flat=True)),
        list(Payment.objects.order_by("id").values_list("status", "authorized")),
        list(Dispute.objects.values_list("status", flat=True)),
        OutboxEvent.objects.count(),
        list(
            GatewayNotification.objects.order_by("id").values_list(
                "processed_at", "outcome", "error"
            )
        ),
    )


def test_the_job_is_declared_with_a_schedule():
    load_all_jobs()
    job = JOBS["payments.notifications_retry"]
    assert job.schedule is not None
    assert job.description == (
        "Apply gateway notifications stored but never processed (their worker stopped)."
    )


@pytest.mark.django_db
def test_a_stored_unprocessed_notification_is_applied_by_the_job_once(order, gateway):
    # given: the worker stored the notice and stopped before applying it
    attempt = _lost_authorization(order, gateway)
    notification = _stored(
        gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    assert _ledger() == []
    # when
    run = job_execute("payments.notifications_retry")
    # then: settled by the notification, once
    assert (run.outcome, run.rows) == ("success", 1)
    notification.refresh_from_db()
    assert (notification.outcome, notification.error) == ("applied", "")
    assert notification.processed_at is not None
    order.refresh_from_db()
    attempt.refresh_from_db()
    assert (order.status, attempt.status) == ("paid", "succeeded")
    assert _ledger() == [("authorize", order.total, "succeeded")]
    assert PaymentTransaction.objects.get().response["notification"] == (
        notification.event_id
    )
    # and a second run finds nothing: the ledger and the outcome stay as they are
    before = _state()
    again = job_execute("payments.notifications_retry")
    assert (again.outcome, again.rows) == ("success", 0)
    assert _state() == before
    assert [c[0] for c in gateway.calls] == ["authorize"]  # never charged again


@pytest.mark.django_db
def test_a_notification_within_the_grace_period_is_left_alone(order, gateway, settings):
    settings.PAYMENTS_NOTIFICATION_RETRY_AFTER = 300  # read at call time
    attempt = _lost_authorization(order, gateway)
    recent = _stored(
        gateway, "charge.succeeded", age=200, idempotency_key=attempt.idempotency_key
    )
    before = _state()
    # when: its worker may still be applying it
    assert services.notifications_retry(batch_size=10) == 0
    # then
    assert _state() == before
    recent.refresh_from_db()
    assert (recent.processed_at, recent.outcome) == (None, "")
    # past the grace period it is the job's
    later = timezone.now() + dt.timedelta(seconds=101)
    assert services.notifications_retry(batch_size=10, now=later) == 1
    recent.refresh_from_db()
    assert recent.outcome == "applied"


@pytest.mark.django_db
def test_the_job_works_in_batches_oldest_first(gateway):
    stored = [_stored(gateway, "payout.paid", age=600 - n) for n in range(3)]
    assert services.notifications_retry(batch_size=2) == 2
    assert [n.pk for n in GatewayNotification.objects.filter(outcome="ignored")] == [
        stored[1].pk,
        stored[0].pk,
    ]
    assert services.notifications_retry(batch_size=2) == 1
    assert not GatewayNotification.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_processed_notification_is_never_applied_again(client, order, gateway):
    attempt = _lost_authorization(order, gateway)
    body, headers = gateway.notification(
        "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    headers.pop("Content-Type")
    client.post(URL, body, content_type="application/json", headers=headers)
    notification = GatewayNotification.objects.get()
    assert notification.outcome == "applied"
    before = _state()
    later = timezone.now() + dt.timedelta(hours=1)
    assert services.notifications_retry(batch_size=10, now=later) == 0
    assert services.notification_apply(notification=notification, actor=None) is False
    assert _state() == before


@pytest.mark.django_db
def test_an_interrupted_auto_capture_is_recorded_applied_on_the_next_run(
    order, gateway, settings
):
    # given: the notice settles the authorization, the auto-capture gets no answer
    settings.PAYMENTS_AUTO_CAPTURE = True
    attempt = _lost_authorization(order, gateway)
    notification = _stored(
        gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    gateway.fail_next("capture", "network_error")
    # when: the first run stops on the capture's unclear answer
    assert services.notifications_retry(batch_size=10) == 0
    # then: the authorization is settled, the notification still unprocessed
    notification.refresh_from_db()
    assert (notification.processed_at, notification.outcome) == (None, "")
    assert _ledger() == [("authorize", order.total, "succeeded")]
    ledger = _ledger()
    # when: the next run finds the ledger row this notification wrote
    assert services.notifications_retry(batch_size=10) == 1
    notification.refresh_from_db()
    assert notification.outcome == "applied"
    assert _ledger() == ledger  # nothing settled twice


@pytest.mark.django_db
def test_a_dispute_notice_is_applied_by_the_job_once(order, gateway):
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    services.payment_capture(
        payment=payment, amount=order.total, actor=None, idempotency_key=key()
    )
    payment.refresh_from_db()
    _stored(
        gateway,
        "dispute.closed",
        dispute="dp_1",
        reference=payment.gateway_reference,
        amount="10.00",
        status="lost",
        respond_by=(timezone.now() + dt.timedelta(days=7)).isoformat(),
    )
    assert services.notifications_retry(batch_size=10) == 1
    assert services.notifications_retry(batch_size=10) == 0
    payment.refresh_from_db()
    assert (Dispute.objects.get().status, payment.disputed_lost) == (
        "lost",
        Decimal("10.00"),
    )
    assert PaymentTransaction.objects.filter(kind="chargeback").count() == 1


@contextmanager
def _applied_elsewhere(notification: GatewayNotification):
    """Another worker holds the notification (it is applying it) until the block ends."""
    taken, done = threading.Event(), threading.Event()

    def hold():
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_lock(hashtext('payments.notification'), %s)",
                    [notification.pk],
                )
                taken.set()
                done.wait(timeout=30)
                cursor.execute(
                    "SELECT pg_advisory_unlock(hashtext('payments.notification'), %s)",
                    [notification.pk],
                )
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(timeout=30)
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=30)


@pytest.mark.django_db
def test_a_notification_another_worker_is_applying_is_skipped(order, gateway):
    attempt = _lost_authorization(order, gateway)
    notification = _stored(
        gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    before = _state()
    with _applied_elsewhere(notification):
        assert services.notifications_retry(batch_size=10) == 0
        assert (
            services.notification_apply(notification=notification, actor=None) is False
        )
        assert _state() == before
    # Released without an outcome (that worker stopped): the next run applies it.
    assert services.notifications_retry(batch_size=10) == 1
    notification.refresh_from_db()
    assert notification.outcome == "applied"


def _together(count: int, call) -> tuple[list, list]:
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def run():
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_apply_a_notification_once(place, gateway):
    for _round in range(3):
        # given
        order = place()
        attempt = _lost_authorization(order, gateway)
        notification = _stored(
            gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
        )
        # when: two workers run the job at the same moment
        results, errors = _together(
            2, lambda: services.notifications_retry(batch_size=10)
        )
        # then: one of them applied it, and the ledger has it once
        assert errors == []
        assert sorted(results) == [0, 1]
        notification.refresh_from_db()
        assert (notification.outcome, notification.error) == ("applied", "")
        assert list(
            PaymentTransaction.objects.filter(payment__order=order).values_list(
                "kind", "outcome"
            )
        ) == [("authorize", "succeeded")]
        order.refresh_from_db()
        assert order.status == "paid"


@pytest.mark.django_db(transaction=True)
def test_the_job_and_the_gateways_repeat_at_once_apply_it_once(place, gateway):
    from django.test import Client

    order = place()
    attempt = _lost_authorization(order, gateway)
    body, headers = gateway.notification(
        "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    headers.pop("Content-Type")
    payload = json.loads(body)
    GatewayNotification.objects.create(
        gateway="dummy",
        event_id=payload["id"],
        type=payload["type"],
        payload=payload,
        received_at=timezone.now() - dt.timedelta(minutes=5),
    )
    answers: list = []

    def repeat():
        response = Client().post(
            URL, body, content_type="application/json", headers=headers
        )
        answers.append(response.json())
        return response.status_code

    def job():
        return services.notifications_retry(batch_size=10)

    barrier = threading.Barrier(2)
    results: dict = {}

    def run(name, call):
        try:
            barrier.wait()
            results[name] = call()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("repeat", repeat)),
        threading.Thread(target=run, args=("job", job)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The gateway's repeat is answered with the one outcome, whoever applied it.
    assert results["repeat"] == 200
    assert answers == [{"id": payload["id"], "outcome": "applied"}]
    assert results["job"] in (0, 1)
    assert list(PaymentTransaction.objects.values_list("kind", "outcome")) == [
        ("authorize", "succeeded")
    ]
    assert GatewayNotification.objects.get().outcome == "applied"

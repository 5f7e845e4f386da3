"""The gateway's notifications, posted through the test client as the gateway sends them."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.orders.models import OutboxEvent
from apps.payments import services
from apps.payments.errors import PaymentPending
from apps.payments.gateway import TOKEN_APPROVE, TOKEN_NETWORK_ERROR
from apps.payments.models import (
    Dispute,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentTransaction,
)
from apps.payments.notifications import notification_sign

from .conftest import key

pytestmark = pytest.mark.django_db
URL = reverse("payments:notification", args=["dummy"])


def _post(client, body: bytes, headers: dict):
    headers = dict(headers)
    content_type = headers.pop("Content-Type", "application/json")
    return client.post(URL, body, content_type=content_type, headers=headers)


def _send(client, gateway, type: str, **data):
    return _post(client, *gateway.notification(type, **data))


def _state() -> tuple:
    """Everything a notification may change, to assert that it changed nothing."""
    return (
        GatewayNotification.objects.count(),
        list(PaymentTransaction.objects.values_list("kind", "amount", "outcome")),
        list(PaymentAttempt.objects.values_list("status", flat=True)),
        list(Payment.objects.values_list("status", "authorized", "disputed_lost")),
        list(Dispute.objects.values_list("status", flat=True)),
        OutboxEvent.objects.count(),
    )


def _lost_authorization(order, gateway) -> PaymentAttempt:
    """The charge went through at the gateway, its answer never came back."""
    gateway.fail_next("authorize", "network_error")
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
        )
    return PaymentAttempt.objects.get()


def _captured(order) -> Payment:
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    return services.payment_capture(
        payment=payment, amount=order.total, actor=None, idempotency_key=key()
    )


def _dispute(payment: Payment, **data) -> dict:
    return {
        "dispute": "dp_1",
        "reference": payment.gateway_reference,
        "amount": "10.00",
        "reason": "fraudulent",
        "respond_by": (timezone.now() + dt.timedelta(days=7)).isoformat(),
        **data,
    }


# --- a lost answer settled by the notification ------------------------------------------


def test_a_lost_authorization_answer_is_settled_by_the_notification(
    client, order, gateway
):
    # given
    attempt = _lost_authorization(order, gateway)
    order.refresh_from_db()
    assert (attempt.status, order.status) == ("unknown", "pending")
    assert PaymentTransaction.objects.count() == 0
    # when
    response = _send(
        client, gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    # then: paid once, by the charge the gateway made, with the notification on record
    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    attempt.refresh_from_db()
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (attempt.status, order.status) == ("succeeded", "paid")
    assert (payment.status, payment.authorized) == ("authorized", order.total)
    assert payment.gateway_reference.startswith("auth_")
    txn = PaymentTransaction.objects.get()
    notification = GatewayNotification.objects.get()
    assert txn.response == {
        "notification": notification.event_id,
        "type": "charge.succeeded",
    }
    assert (notification.type, notification.outcome, notification.error) == (
        "charge.succeeded",
        "applied",
        "",
    )
    assert notification.processed_at is not None
    assert [c[0] for c in gateway.calls] == ["authorize"]  # never charged again
    # and the reconciliation finds nothing left to do
    assert (
        services.payments_reconcile(
            batch_size=10, now=timezone.now() + dt.timedelta(minutes=10)
        )
        == 0
    )


def test_a_failed_charge_notice_fails_the_open_authorization(client, order, gateway):
    attempt = _lost_authorization(order, gateway)
    response = _send(
        client,
        gateway,
        "charge.failed",
        idempotency_key=attempt.idempotency_key,
        code="card_declined",
        message="Your card was declined.",
    )
    assert response.json()["outcome"] == "applied"
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (order.status, payment.status, payment.failure_code) == (
        "pending",
        "failed",
        "card_declined",
    )
    assert PaymentTransaction.objects.get().outcome == "failed"


def test_a_lost_refund_answer_is_settled_by_the_refunded_notice(client, order, gateway):
    payment = _captured(order)
    gateway.fail_next("refund", "network_error")
    refund_key = key()
    with pytest.raises(PaymentPending):
        services.payment_refund(
            payment=payment,
            amount=Decimal("5.00"),
            reason="damaged",
            actor=None,
            idempotency_key=refund_key,
        )
    response = _send(client, gateway, "charge.refunded", idempotency_key=refund_key)
    assert response.json()["outcome"] == "applied"
    payment.refresh_from_db()
    assert (payment.status, payment.refunded) == ("partially_refunded", Decimal("5"))


# --- replays and out-of-order delivery ------------------------------------------------------


def test_a_replayed_notification_changes_nothing(
    client, order, gateway, django_assert_num_queries
):
    attempt = _lost_authorization(order, gateway)
    body, headers = gateway.notification(
        "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    assert _post(client, body, headers).json()["outcome"] == "applied"
    before = _state()
    first = GatewayNotification.objects.get()
    # when: the same delivery again, and the same event signed anew a minute later
    with django_assert_num_queries(3):  # found by its id: nothing applied again
        again = _post(client, body, headers)
    event_id = json.loads(body)["id"]
    later = _send(
        client,
        gateway,
        "charge.succeeded",
        event_id=event_id,
        idempotency_key=attempt.idempotency_key,
    )
    # then: answered with the first outcome, nothing written twice
    assert (again.status_code, again.json()) == (
        200,
        {"id": event_id, "outcome": "applied"},
    )
    assert later.json() == {"id": event_id, "outcome": "applied"}
    assert _state() == before
    assert GatewayNotification.objects.get().processed_at == first.processed_at
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_success_notice_for_a_settled_success_changes_nothing(client, order, gateway):
    # The answer came back after all; the gateway's notice of it arrives afterwards.
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    before = _state()
    attempt = payment.attempts.get()
    response = _send(
        client, gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    assert response.json()["outcome"] == "unchanged"
    after = _state()
    assert after[0] == before[0] + 1  # the notification is stored
    assert after[1:] == before[1:]


def test_a_notice_contradicting_a_settled_attempt_is_rejected_and_changes_nothing(
    client, order, gateway
):
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    before = _state()
    response = _send(
        client,
        gateway,
        "charge.failed",
        idempotency_key=payment.attempts.get().idempotency_key,
        code="card_declined",
    )
    assert response.status_code == 200
    notification = GatewayNotification.objects.get()
    assert (notification.outcome, notification.error) == (
        "rejected",
        "the authorize already succeeded",
    )
    assert _state()[1:] == before[1:]


def test_a_refund_notice_for_a_settled_refund_changes_nothing(client, order, gateway):
    payment = _captured(order)
    refund = services.payment_refund(
        payment=payment,
        amount=Decimal("5.00"),
        reason="damaged",
        actor=None,
        idempotency_key=key(),
    )
    before = _state()
    response = _send(
        client,
        gateway,
        "charge.refunded",
        idempotency_key=refund.attempt.idempotency_key,
    )
    assert response.json()["outcome"] == "unchanged"
    assert _state()[1:] == before[1:]
    payment.refresh_from_db()
    assert payment.refunded == Decimal("5.00")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"idempotency_key": "nobody"}, "no payment attempt has this idempotency key"),
        ({"amount": "1.00"}, "the attempt was for 52.50"),
        ({"currency": "USD"}, "the payment is in EUR"),
    ],
)
def test_a_charge_notice_that_does_not_match_the_attempt_is_rejected(
    client, order, gateway, data, error
):
    attempt = _lost_authorization(order, gateway)
    before = _state()
    _send(
        client,
        gateway,
        "charge.succeeded",
        **{"idempotency_key": attempt.idempotency_key, **data},
    )
    notification = GatewayNotification.objects.get()
    assert (notification.outcome, notification.error) == ("rejected", error)
    assert _state()[1:] == before[1:]
    attempt.refresh_from_db()
    assert attempt.status == "unknown"  # still the reconciliation's


# --- disputes -----------------------------------------------------------------------------


def test_a_dispute_opened_then_lost_reduces_what_was_kept(client, order, gateway):
    payment = _captured(order)
    # when
    opened = _send(client, gateway, "dispute.opened", **_dispute(payment))
    lost = _send(client, gateway, "dispute.closed", **_dispute(payment, status="lost"))
    # then
    assert [opened.json()["outcome"], lost.json()["outcome"]] == ["applied", "applied"]
    payment.refresh_from_db()
    dispute = Dispute.objects.get()
    assert (dispute.gateway_reference, dispute.status, dispute.reason) == (
        "dp_1",
        "lost",
        "fraudulent",
    )
    assert (payment.disputed_lost, payment.kept) == (
        Decimal("10.00"),
        order.total - Decimal("10.00"),
    )
    assert list(
        PaymentTransaction.objects.filter(kind="chargeback").values_list(
            "amount", flat=True
        )
    ) == [Decimal("10.00")]
    # The loss again (a new event, the same news): nothing twice.
    before = _state()
    again = _send(client, gateway, "dispute.closed", **_dispute(payment, status="lost"))
    assert again.json()["outcome"] == "unchanged"
    assert _state()[1:] == before[1:]


def test_a_dispute_closed_before_its_opening_arrives_is_recorded_once(
    client, order, gateway
):
    payment = _captured(order)
    closed = _send(
        client, gateway, "dispute.closed", **_dispute(payment, status="lost")
    )
    assert closed.json()["outcome"] == "applied"
    before = _state()
    opened = _send(client, gateway, "dispute.opened", **_dispute(payment))
    assert opened.json()["outcome"] == "unchanged"
    assert _state()[1:] == before[1:]
    payment.refresh_from_db()
    assert (Dispute.objects.get().status, payment.disputed_lost) == (
        "lost",
        Decimal("10.00"),
    )


def test_a_dispute_won_after_a_loss_gives_the_money_back(client, order, gateway):
    payment = _captured(order)
    _send(client, gateway, "dispute.closed", **_dispute(payment, status="lost"))
    won = _send(client, gateway, "dispute.closed", **_dispute(payment, status="won"))
    assert won.json()["outcome"] == "applied"
    payment.refresh_from_db()
    assert payment.disputed_lost == 0
    # A late loss after the win contradicts the bank's last word: refused, nothing moved.
    before = _state()
    late = _send(client, gateway, "dispute.closed", **_dispute(payment, status="lost"))
    assert late.json()["outcome"] == "rejected"
    assert _state()[1:] == before[1:]


def test_a_dispute_for_more_than_was_kept_is_rejected(client, order, gateway):
    payment = _captured(order)
    before = _state()
    _send(client, gateway, "dispute.opened", **_dispute(payment, amount="999.00"))
    notification = GatewayNotification.objects.get()
    assert notification.outcome == "rejected"
    assert notification.error.startswith("This dispute cannot be recorded")
    assert _state()[1:] == before[1:]


def test_an_unknown_type_is_stored_and_ignored(client, gateway):
    response = _send(client, gateway, "payout.paid", amount=125, note="weekly")
    assert response.status_code == 200
    notification = GatewayNotification.objects.get()
    assert (notification.type, notification.outcome) == ("payout.paid", "ignored")
    assert notification.payload["data"] == {"amount": 125, "note": "weekly"}


# --- refused: nothing stored ------------------------------------------------------------------


def _refused(response) -> None:
    assert response.status_code == 400
    assert GatewayNotification.objects.count() == 0


def test_a_bad_signature_is_refused_and_nothing_stored(client, order, gateway):
    attempt = _lost_authorization(order, gateway)
    body, headers = gateway.notification(
        "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    tampered = body.replace(b'"charge.succeeded"', b'"charge.failed"')
    _refused(_post(client, tampered, headers))
    _refused(_post(client, body, {**headers, "X-Gateway-Signature": "v1=" + "0" * 64}))
    _refused(_post(client, body, {**headers, "X-Gateway-Signature": "v1=é"}))
    _refused(_post(client, body, {"Content-Type": "application/json"}))
    attempt.refresh_from_db()
    assert attempt.status == "unknown"


@pytest.mark.parametrize(
    "timestamp",
    [
        lambda now: now - 301,  # stale
        lambda now: now + 301,  # from the future
        lambda now: 10**400,  # huge
        lambda now: -now,
    ],
    ids=["stale", "future", "huge", "negative"],
)
def test_a_stale_or_strange_timestamp_is_refused(client, gateway, timestamp):
    _refused(
        _send(client, gateway, "payout.paid", timestamp=timestamp(int(time.time())))
    )


def test_a_signature_made_with_another_secret_is_refused(client, gateway, settings):
    body, headers = gateway.notification("payout.paid")
    settings.PAYMENTS_NOTIFICATION_SECRET = "rotated"  # read at call time
    _refused(_post(client, body, headers))
    settings.PAYMENTS_NOTIFICATION_SECRET = ""  # none configured: nothing is accepted
    _refused(_post(client, body, notification_sign(body)))


def test_a_tolerance_setting_is_read_at_call_time(client, gateway, settings):
    settings.PAYMENTS_NOTIFICATION_TOLERANCE = 1000
    response = _send(client, gateway, "payout.paid", timestamp=int(time.time()) - 900)
    assert response.status_code == 200


RESPOND_BY = "2030-01-01T00:00:00+00:00"
DISPUTE = {"dispute": "dp_1", "reference": "auth_x", "amount": "1.00"}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        b'{"id": "evt_1", "type": "charge.succeeded"}',
        b'{"type": "payout.paid", "data": {}}',
        b'{"id": "", "type": "payout.paid", "data": {}}',
        b'{"id": "evt_1", "data": {}}',
        b'{"id": 7, "type": "payout.paid", "data": {}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": []}',
        b'{"id": "evt\\u0000", "type": "payout.paid", "data": {}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": "a\\u0000b"}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x\\u0000": 1}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": "\\ud800"}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": 1e400}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": NaN}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": 1' + b"0" * 30 + b"}}",
        b'{"id": "evt_1", "type": "payout.paid", "data": {"x": 1' + b"0" * 5000 + b"}}",
        b'{"id": "evt_1", "type": "payout.paid", "data": {"card": "4242424242424242"}}',
        b'{"id": "evt_1", "type": "payout.paid", "data": '
        + b"[" * 50
        + b"]" * 50
        + b"}",
        b'{"id": "evt_1", "type": "payout.paid", "data": {}, "pad": "'
        + b"x" * 70_000
        + b'"}',
        b'{"id": "' + b"e" * 101 + b'", "type": "payout.paid", "data": {}}',
        b'{"id": "evt_1", "type": "charge.succeeded", "data": {}}',
        b'{"id": "evt_1", "type": "charge.succeeded", "data": {"idempotency_key": 5}}',
        b'{"id": "evt_1", "type": "charge.succeeded",'
        b' "data": {"idempotency_key": "k", "amount": 52.5}}',
        b'{"id": "evt_1", "type": "charge.succeeded",'
        b' "data": {"idempotency_key": "k", "amount": "99999999999.00"}}',
        b'{"id": "evt_1", "type": "charge.succeeded",'
        b' "data": {"idempotency_key": "k", "currency": "eur"}}',
        b'{"id": "evt_1", "type": "dispute.opened", "data": '
        + json.dumps(DISPUTE).encode()
        + b"}",
        b'{"id": "evt_1", "type": "dispute.opened", "data": '
        + json.dumps({**DISPUTE, "respond_by": "2030-01-01T00:00:00"}).encode()
        + b"}",
        b'{"id": "evt_1", "type": "dispute.opened", "data": '
        + json.dumps({**DISPUTE, "respond_by": "2030-13-01T00:00:00+00:00"}).encode()
        + b"}",
        b'{"id": "evt_1", "type": "dispute.closed", "data": '
        + json.dumps({**DISPUTE, "respond_by": RESPOND_BY, "status": "maybe"}).encode()
        + b"}",
    ],
)
def test_a_malformed_notification_is_refused_and_nothing_stored(client, body):
    # Signed correctly: the signature is not what is wrong.
    response = _post(client, body, notification_sign(body))
    _refused(response)
    # A NUL anywhere is refused by the shared layer (bad_input) before the view runs.
    assert response.json()["error"] in ("notification_invalid", "bad_input")


def test_only_a_post_to_the_configured_gateway_is_received(client, gateway):
    body, headers = gateway.notification("payout.paid")
    headers.pop("Content-Type")
    other = reverse("payments:notification", args=["acme"])
    assert (
        client.post(
            other, body, content_type="application/json", headers=headers
        ).status_code
        == 404
    )
    assert client.get(URL).status_code == 405
    assert GatewayNotification.objects.count() == 0


# --- the database's rules ----------------------------------------------------------------------


def _refused_by(statement: str, params) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    return refused.value.__cause__.diag.constraint_name


def test_a_processed_notification_keeps_its_facts_and_its_outcome(client, gateway):
    _send(client, gateway, "payout.paid")
    notification = GatewayNotification.objects.get()
    for statement, rule in [
        (
            "UPDATE payments_gatewaynotification SET outcome = 'applied' WHERE id = %s",
            "payments_gatewaynotification_outcome_set_once",
        ),
        (
            "UPDATE payments_gatewaynotification SET processed_at = NULL, outcome = '',"
            " error = '' WHERE id = %s",
            "payments_gatewaynotification_outcome_set_once",
        ),
        (
            "UPDATE payments_gatewaynotification SET payload = '{}' WHERE id = %s",
            "payments_gatewaynotification_received_immutable",
        ),
        (
            "UPDATE payments_gatewaynotification SET event_id = 'evt_other' WHERE id = %s",
            "payments_gatewaynotification_received_immutable",
        ),
    ]:
        assert _refused_by(statement, [notification.pk]) == rule
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM payments_gatewaynotification WHERE id = %s",
                [notification.pk],
            )
    kept = GatewayNotification.objects.get()
    assert (kept.outcome, kept.payload, kept.processed_at) == (
        "ignored",
        notification.payload,
        notification.processed_at,
    )


def test_the_database_stores_an_event_once_and_its_outcome_with_processed_at(
    client, gateway
):
    _send(client, gateway, "payout.paid", event_id="evt_1")
    insert = (
        "INSERT INTO payments_gatewaynotification (gateway, event_id, type, payload,"
        " received_at, outcome, error) VALUES ('dummy', %s, 'x', '{}', now(), %s, '')"
    )
    assert (
        _refused_by(insert, ["evt_1", ""]) == "payments_gatewaynotification_event_once"
    )
    assert (
        _refused_by(insert, ["evt_2", "applied"])
        == "payments_gatewaynotification_outcome_when_processed"
    )
    card = (
        "INSERT INTO payments_gatewaynotification (gateway, event_id, type, payload,"
        " received_at, outcome, error)"
        """ VALUES ('dummy', 'evt_3', 'x', '{"n": "4242 4242 4242 4242"}', now(), '', '')"""
    )
    assert (
        _refused_by(card, []) == "payments_gatewaynotification_payload_no_card_number"
    )
    assert GatewayNotification.objects.count() == 1


def test_an_unprocessed_notification_is_applied_when_the_gateway_repeats_it(
    client, order, gateway
):
    # The worker stored it and stopped before applying: the repeat applies it.
    attempt = _lost_authorization(order, gateway)
    body, headers = gateway.notification(
        "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    payload = json.loads(body)
    GatewayNotification.objects.create(
        gateway="dummy", event_id=payload["id"], type=payload["type"], payload=payload
    )
    assert _post(client, body, headers).json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == "paid"
    assert GatewayNotification.objects.get().processed_at is not None


def test_a_network_error_token_is_still_one_charge_after_the_notice(
    client, order, gateway
):
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key="k-net", token=TOKEN_NETWORK_ERROR
        )
    _send(client, gateway, "charge.succeeded", idempotency_key="k-net")
    # The customer retries with the same key: the payment is already settled.
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key="k-net", token=TOKEN_NETWORK_ERROR
    )
    assert payment.authorized == order.total
    assert PaymentTransaction.objects.filter(kind="authorize").count() == 1

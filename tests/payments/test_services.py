"""Payments' services against the dummy gateway: authorize, capture, void, refund, reconcile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.inventory.models import Reservation
from apps.orders import services as orders
from apps.orders.models import Order, OutboxEvent
from apps.payments import services
from apps.payments.errors import (
    CaptureTooLarge,
    OrderNotPayable,
    PaymentDeclined,
    PaymentMethodInvalid,
    PaymentPending,
    RefundTooLarge,
)
from apps.payments.gateway import (
    TOKEN_APPROVE,
    TOKEN_DECLINE,
    TOKEN_INSUFFICIENT_FUNDS,
    TOKEN_NETWORK_ERROR,
    TOKEN_TIMEOUT,
)
from apps.payments.models import Payment, PaymentAttempt, PaymentTransaction

from .conftest import key, overdue

pytestmark = pytest.mark.django_db


def _held(order: Order) -> int:
    return sum(
        Reservation.objects.filter(
            owner_type="order", owner_id=str(order.pk), status="active"
        ).values_list("quantity", flat=True)
    )


def _topics(order: Order) -> list[str]:
    return list(
        OutboxEvent.objects.filter(
            aggregate_id=order.number, topic__startswith="payment."
        )
        .order_by("id")
        .values_list("topic", flat=True)
    )


def _authorized(order, **kwargs) -> Payment:
    return services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE, **kwargs
    )


def test_an_approved_authorization_pays_the_order(order):
    payment = _authorized(order)
    order.refresh_from_db()
    assert order.status == "paid"
    assert (payment.status, payment.amount, payment.authorized) == (
        "authorized",
        order.total,
        order.total,
    )
    assert payment.gateway_reference.startswith("auth_")
    assert _held(order) == 2
    assert _topics(order) == ["payment.authorized"]


def test_auto_capture_takes_the_money_at_once(order, settings):
    settings.PAYMENTS_AUTO_CAPTURE = True
    payment = _authorized(order)
    assert (payment.status, payment.captured) == ("captured", order.total)
    assert _topics(order) == ["payment.authorized", "payment.captured"]


@pytest.mark.parametrize(
    ("token", "code", "message"),
    [
        (TOKEN_DECLINE, "card_declined", "Your card was declined."),
        (
            TOKEN_INSUFFICIENT_FUNDS,
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_a_decline_leaves_the_order_pending_with_its_stock(order, token, code, message):
    with pytest.raises(PaymentDeclined) as declined:
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=token
        )
    assert declined.value.message == message
    assert declined.value.details == {"decline_code": code}
    order.refresh_from_db()
    assert order.status == "pending"
    assert _held(order) == 2
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.authorized, payment.failure_code) == (
        "failed",
        0,
        code,
    )
    assert list(
        PaymentTransaction.objects.values_list("kind", "outcome", "amount")
    ) == [("authorize", "failed", order.total)]
    assert _topics(order) == ["payment.failed"]
    # The customer tries again with a good card.
    assert _authorized(order).status == "authorized"
    order.refresh_from_db()
    assert order.status == "paid"


def test_the_same_key_authorizes_once(order, gateway):
    same = key()
    first = services.payment_authorize(
        order=order, actor=None, idempotency_key=same, token=TOKEN_APPROVE
    )
    again = services.payment_authorize(
        order=order, actor=None, idempotency_key=same, token=TOKEN_APPROVE
    )
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert gateway.calls == [("authorize", same)]


def test_an_expired_order_cannot_be_paid(order):
    overdue(order)
    with pytest.raises(OrderNotPayable) as refused:
        _authorized(order)
    assert refused.value.message == "This order cannot be paid: it is expired."
    assert Payment.objects.count() == 0


def test_another_customers_method_is_refused(order, customer, django_user_model):
    other = django_user_model.objects.create_user(email="o@example.com", password="x")
    method = services.payment_method_add(
        customer=other,
        gateway="dummy",
        token=TOKEN_APPROVE,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        actor=other,
    )
    with pytest.raises(PaymentMethodInvalid):
        _authorized(order, method=method)
    assert Payment.objects.count() == 0


def test_capture_twice_with_one_key_charges_once(order, gateway):
    payment = _authorized(order)
    same = key()
    for _ in range(2):
        payment = services.payment_capture(
            payment=payment, amount=Decimal("10.00"), actor=None, idempotency_key=same
        )
    assert (payment.status, payment.captured) == (
        "partially_captured",
        Decimal("10.00"),
    )
    assert [c for c in gateway.calls if c[0] == "capture"] == [("capture", same)]
    assert PaymentTransaction.objects.filter(kind="capture").count() == 1


def test_capture_above_what_is_authorized_is_refused(order):
    payment = _authorized(order)
    with pytest.raises(CaptureTooLarge) as refused:
        services.payment_capture(
            payment=payment, amount=order.total + 1, actor=None, idempotency_key=key()
        )
    assert (
        refused.value.message
        == f"At most {order.total} can be captured on this payment."
    )
    payment.refresh_from_db()
    assert payment.captured == 0
    assert PaymentAttempt.objects.filter(kind="capture").count() == 0


def test_partial_capture_then_void_of_the_rest(order):
    payment = _authorized(order)
    payment = services.payment_capture(
        payment=payment, amount=Decimal("5.00"), actor=None, idempotency_key=key()
    )
    payment = services.payment_void(payment=payment, actor=None, idempotency_key=key())
    assert (payment.status, payment.captured, payment.voided) == (
        "captured",
        Decimal("5.00"),
        order.total - Decimal("5.00"),
    )


def test_a_refund_above_what_was_captured_is_refused_by_the_service(order, staff):
    payment = _authorized(order)
    payment = services.payment_capture(
        payment=payment, amount=Decimal("20.00"), actor=None, idempotency_key=key()
    )
    services.payment_refund(
        payment=payment,
        amount=Decimal("15.00"),
        reason="damaged",
        actor=staff,
        idempotency_key=key(),
    )
    with pytest.raises(RefundTooLarge) as refused:
        services.payment_refund(
            payment=payment,
            amount=Decimal("5.01"),
            reason="damaged",
            actor=staff,
            idempotency_key=key(),
        )
    assert refused.value.message == (
        "A refund of 5.01 is more than the 5.00 that can still be refunded on this payment."
    )
    payment.refresh_from_db()
    assert (payment.status, payment.refunded) == (
        "partially_refunded",
        Decimal("15.00"),
    )
    assert _topics(order) == [
        "payment.authorized",
        "payment.captured",
        "payment.refunded",
    ]


def test_a_network_error_after_the_charge_is_settled_by_reconciliation(order, gateway):
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_NETWORK_ERROR
        )
    attempt = PaymentAttempt.objects.get()
    order.refresh_from_db()
    assert (attempt.status, order.status) == ("unknown", "pending")
    assert PaymentTransaction.objects.count() == 0
    # when
    settled = services.payments_reconcile(
        batch_size=10, now=timezone.now() + dt.timedelta(minutes=10)
    )
    # then: the charge the gateway made is the order's payment, made once
    assert settled == 1
    attempt.refresh_from_db()
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (attempt.status, order.status, payment.authorized) == (
        "succeeded",
        "paid",
        order.total,
    )
    assert [c[0] for c in gateway.calls] == ["authorize"]


def test_a_retry_with_the_same_key_settles_a_lost_answer(order, gateway):
    same = key()
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=same, token=TOKEN_NETWORK_ERROR
        )
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=same, token=TOKEN_NETWORK_ERROR
    )
    assert payment.status == "authorized"
    assert PaymentTransaction.objects.count() == 1


def test_a_timeout_that_never_reached_the_gateway_is_reconciled_as_failed(order):
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_TIMEOUT
        )
    assert services.payments_reconcile(batch_size=10) == 0  # too early: maybe in flight
    services.payments_reconcile(
        batch_size=10, now=timezone.now() + dt.timedelta(minutes=10)
    )
    payment = Payment.objects.get()
    order.refresh_from_db()
    assert (payment.status, payment.failure_code, order.status) == (
        "failed",
        "not_received",
        "pending",
    )
    assert _held(order) == 2


def test_a_lost_capture_answer_is_settled_by_reconciliation(order, gateway):
    payment = _authorized(order)
    gateway.fail_next("capture", "network_error")
    with pytest.raises(PaymentPending):
        services.payment_capture(
            payment=payment, amount=order.total, actor=None, idempotency_key=key()
        )
    services.payments_reconcile(
        batch_size=10, now=timezone.now() + dt.timedelta(minutes=10)
    )
    payment.refresh_from_db()
    assert (payment.status, payment.captured) == ("captured", order.total)


def test_cancelling_a_paid_order_refunds_through_the_port(
    order, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_AUTO_CAPTURE = True
    payment = _authorized(order)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order=order, actor=None, reason="changed my mind")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded) == ("refunded", order.total)
    refund = payment.refunds.get()
    assert (refund.reason, refund.amount) == ("order_cancelled", order.total)
    assert not OutboxEvent.objects.filter(topic="order.refund_requested").exists()


def test_cancelling_a_paid_order_voids_an_uncaptured_authorization(
    order, django_capture_on_commit_callbacks
):
    payment = _authorized(order)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order=order, actor=None, reason="changed my mind")
    payment.refresh_from_db()
    assert (payment.status, payment.voided) == ("voided", order.total)


def test_a_lost_dispute_reduces_what_was_kept(order, staff):
    settings_total = order.total
    payment = _authorized(order)
    payment = services.payment_capture(
        payment=payment, amount=settings_total, actor=None, idempotency_key=key()
    )
    dispute = services.dispute_open(
        payment=payment,
        gateway_reference="dp_1",
        amount=Decimal("10.00"),
        respond_by=timezone.now() + dt.timedelta(days=7),
    )
    assert (
        services.dispute_open(
            payment=payment,
            gateway_reference="dp_1",
            amount=Decimal("10.00"),
            respond_by=timezone.now(),
        )
        == dispute
    )
    services.dispute_close(dispute=dispute, won=False, actor=staff)
    payment.refresh_from_db()
    assert (payment.disputed_lost, payment.kept, payment.refundable) == (
        Decimal("10.00"),
        settings_total - 10,
        settings_total - 10,
    )
    with pytest.raises(RefundTooLarge):
        services.payment_refund(
            payment=payment,
            amount=settings_total,
            reason="other",
            actor=staff,
            idempotency_key=key(),
        )
    services.dispute_close(dispute=dispute, won=True, actor=staff)
    payment.refresh_from_db()
    assert payment.disputed_lost == 0


@pytest.mark.django_db(transaction=True)
def test_two_reports_of_one_new_dispute_at_once_record_it_once(place):
    import datetime as dt
    import threading

    from django.db import connection
    from django.utils import timezone

    from apps.payments.models import Dispute

    order = place()
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token="tok_approve"
    )
    payment = services.payment_capture(
        payment=payment, amount=payment.authorized, actor=None, idempotency_key=key()
    )
    barrier, results = threading.Barrier(2), []

    def report():
        try:
            barrier.wait()
            results.append(
                services.dispute_open(
                    payment=payment,
                    gateway_reference="dp_twice",
                    amount=payment.captured,
                    respond_by=timezone.now() + dt.timedelta(days=7),
                ).pk
            )
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and results[0] == results[1], results
    assert Dispute.objects.filter(gateway_reference="dp_twice").count() == 1

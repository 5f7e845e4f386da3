"""A payment succeeding at the moment its order expires ends paid with the stock held, or
with the money released and the customer told; never money kept for an order that will
not ship (the outcome and the orders' expiry serialize on the order row)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from apps.inventory.models import Reservation
from apps.inventory.services import Line, stock_reserve
from apps.orders import services as orders
from apps.orders.models import Order, OutboxEvent
from apps.payments import services
from apps.payments.errors import PaymentPending
from apps.payments.gateway import TOKEN_APPROVE, TOKEN_NETWORK_ERROR
from apps.payments.models import Payment, PaymentAttempt

from .conftest import key, overdue


def _held(order: Order) -> int:
    return sum(
        Reservation.objects.filter(
            owner_type="order", owner_id=str(order.pk), status="active"
        ).values_list("quantity", flat=True)
    )


def _charged_without_answer(order: Order) -> PaymentAttempt:
    """The gateway took the authorization, its answer was lost: the outcome comes later."""
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_NETWORK_ERROR
        )
    return PaymentAttempt.objects.get(payment__order=order)


def _expire(order: Order) -> int:
    return orders.orders_expire(
        batch_size=10, now=timezone.now() + dt.timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_paid_first_then_the_expiry_job_leaves_it_paid(order):
    services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    overdue(order)
    assert _expire(order) == 0
    order.refresh_from_db()
    assert (order.status, _held(order)) == ("paid", 2)


@pytest.mark.django_db
def test_expired_first_then_the_success_reserves_again_and_pays(order):
    attempt = _charged_without_answer(order)
    overdue(order)
    assert _expire(order) == 1
    order.refresh_from_db()
    assert (order.status, _held(order)) == ("expired", 0)
    # when the gateway's success arrives
    services.payment_reconcile(attempt=attempt)
    # then
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (order.status, order.closed_at, _held(order)) == ("paid", None, 2)
    assert (payment.status, payment.authorized) == ("authorized", order.total)


@pytest.mark.django_db
def test_expired_first_and_the_stock_gone_the_money_is_released(order):
    attempt = _charged_without_answer(order)
    overdue(order)
    _expire(order)
    # Someone else buys the units the order gave back.
    line = order.lines.get()
    available = line.variant.stock.get()
    stock_reserve(
        lines=[
            Line(
                variant_id=line.variant_id,
                quantity=available.on_hand - available.reserved,
            )
        ],
        owner_type="breach",
    )
    # when
    services.payment_reconcile(attempt=attempt)
    # then
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (order.status, _held(order)) == ("expired", 0)
    assert (payment.status, payment.authorized, payment.voided) == (
        "voided",
        order.total,
        order.total,
    )
    told = OutboxEvent.objects.get(aggregate_id=order.number, topic="payment.failed")
    assert told.payload["data"]["code"] == "order_not_payable"


@pytest.mark.django_db
def test_an_overdue_order_the_job_has_not_reached_is_paid_late(order):
    attempt = _charged_without_answer(order)
    overdue(order)
    services.payment_reconcile(attempt=attempt)
    order.refresh_from_db()
    assert (order.status, _held(order)) == ("paid", 2)
    assert _expire(order) == 0


def _together(*calls) -> list:
    barrier = threading.Barrier(len(calls))
    errors: list = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_the_success_and_the_expiry_at_the_same_moment(place):
    for _round in range(4):
        order = place(units=2, email=f"{uuid.uuid4().hex[:8]}@example.com")
        attempt = _charged_without_answer(order)
        overdue(order)
        errors = _together(
            lambda order=order: _expire(order),
            lambda attempt=attempt: services.payment_reconcile(attempt=attempt),
        )
        assert errors == []
        order.refresh_from_db()
        payment = Payment.objects.get(order=order)
        if order.status == "paid":
            assert (_held(order), payment.status) == (2, "authorized")
        else:
            assert (order.status, _held(order)) == ("expired", 0)
            assert payment.status == "voided"

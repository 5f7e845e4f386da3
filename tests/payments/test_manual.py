"""Money staff record by hand is a payment like any other; shipping takes authorized money."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.orders import services as orders
from apps.orders.models import OutboxEvent
from apps.payments import selectors, services
from apps.payments.errors import ManualNoteMissing, OrderNotPayable
from apps.payments.gateway import TOKEN_APPROVE
from apps.payments.models import Payment, PaymentTransaction

from .conftest import key, overdue

pytestmark = pytest.mark.django_db


def _ledger(order) -> list[tuple[str, str]]:
    return [
        (kind, str(amount))
        for kind, amount in PaymentTransaction.objects.filter(payment__order=order)
        .order_by("id")
        .values_list("kind", "amount")
    ]


def test_mark_paid_in_the_admin_records_a_manual_payment_in_the_ledger(
    client, staff, order
):
    client.force_login(staff)
    url = reverse("admin:orders_order_do", args=[order.pk, "pay"])
    client.post(url, {"reason": "bank transfer ref 4471"})
    client.post(url, {"reason": "bank transfer ref 4471"})  # a second click
    order.refresh_from_db()
    assert order.status == "paid"
    payment = Payment.objects.get(order=order)
    assert (payment.gateway, payment.status, payment.captured, payment.note) == (
        "manual",
        "captured",
        order.total,
        "bank transfer ref 4471",
    )
    assert _ledger(order) == [
        ("authorize", str(order.total)),
        ("capture", str(order.total)),
    ]
    assert set(PaymentTransaction.objects.values_list("actor_id", flat=True)) == {
        staff.pk
    }
    assert order.status_changes.order_by("-id").first().note == (
        "paid by hand: bank transfer ref 4471"
    )


def test_the_reconciliation_counts_a_manual_payment_like_a_card(order, staff):
    orders.order_pay_by_hand(order=order, actor=staff, note="cash at the counter")
    today = selectors.reconciliation(days=1)[0]
    assert (today.captured, today.orders_total, today.difference) == (
        order.total,
        order.total,
        0,
    )
    assert today.manual_total == 0 and today.reasons == []


def test_mark_paid_without_a_note_or_for_an_expired_order_changes_nothing(order, staff):
    with pytest.raises(ManualNoteMissing):
        services.payment_record_manual(
            order=order, actor=staff, note="  ", idempotency_key=key()
        )
    overdue(order)
    with pytest.raises(OrderNotPayable):
        orders.order_pay_by_hand(order=order, actor=staff, note="transfer")
    order.refresh_from_db()
    assert order.status == "pending"
    assert not Payment.objects.exists() and not PaymentTransaction.objects.exists()


def test_cancelling_an_order_paid_by_hand_records_the_refund_and_asks_finance(
    order, staff, django_capture_on_commit_callbacks
):
    orders.order_pay_by_hand(order=order, actor=staff, note="transfer")
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order=order, actor=staff, reason="out of the area")
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded) == ("refunded", order.total)
    assert payment.refunds.get().reason == "order_cancelled"
    asked = OutboxEvent.objects.get(topic="order.refund_requested")
    assert asked.payload["data"]["amount"] == str(order.total)


def _ship_all(order):
    return orders.fulfilment_create(
        order=order,
        quantities={line.pk: line.quantity for line in order.lines.all()},
        carrier="DHL",
        actor=None,
    )


def test_the_first_shipment_captures_the_authorized_money(
    order, django_capture_on_commit_callbacks
):
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    assert payment.captured == 0
    with django_capture_on_commit_callbacks(execute=True):
        _ship_all(order)
    payment.refresh_from_db()
    assert (payment.status, payment.captured) == ("captured", order.total)
    assert _ledger(order)[-1] == ("capture", str(order.total))


@pytest.mark.parametrize("how", ["auto_capture", "by_hand"])
def test_shipping_money_already_taken_takes_nothing_more(
    how, order, staff, settings, django_capture_on_commit_callbacks
):
    if how == "auto_capture":
        settings.PAYMENTS_AUTO_CAPTURE = True
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
        )
    else:
        orders.order_pay_by_hand(order=order, actor=staff, note="cash")
    before = _ledger(order)
    with django_capture_on_commit_callbacks(execute=True):
        _ship_all(order)
    order.refresh_from_db()
    assert order.status == "shipped"
    assert _ledger(order) == before
    assert Payment.objects.get(order=order).captured == order.total

"""The storefront's pay step, through the test client."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.inventory.models import Reservation
from apps.orders.models import Order
from apps.orders.notifications import guest_order_token
from apps.payments import services
from apps.payments.models import Payment, PaymentMethod, PaymentTransaction

pytestmark = pytest.mark.django_db


def _key(response) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', response.content.decode())[1]


def _guest_pay_url(order) -> str:
    return reverse("payments:guest-pay", args=[guest_order_token(order)])


def test_a_guest_pays_after_a_decline_and_sees_the_payment(client, order):
    url = _guest_pay_url(order)
    page = client.get(url)
    assert page.status_code == 200 and "€52.50" in page.content.decode()
    # A declined card: the gateway's message on the page, the order still pending, its
    # stock still reserved.
    declined = client.post(url, {"key": _key(page), "token": "tok_decline"})
    assert declined.status_code == 402
    assert "Your card was declined." in declined.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"
    assert Reservation.objects.get().status == "active"
    # Another card, with the new key the page carries: paid.
    paid = client.post(url, {"key": _key(declined), "token": "tok_approve"})
    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"
    detail = client.get(paid["Location"]).content.decode()
    assert "Payment authorized €52.50" in detail
    assert "Pay now" not in detail


def test_the_same_key_twice_charges_once(client, order):
    url = _guest_pay_url(order)
    key = _key(client.get(url))
    client.post(url, {"key": key, "token": "tok_approve"})
    client.post(url, {"key": key, "token": "tok_approve"})
    assert Payment.objects.count() == 1
    assert PaymentTransaction.objects.filter(kind="authorize").count() == 1


@pytest.mark.parametrize(
    "token",
    ["4242424242424242", "4242 4242 4242 4242", "tok 4242-4242-4242-4242"],
)
def test_a_card_number_is_never_accepted(client, order, token):
    url = _guest_pay_url(order)
    response = client.post(url, {"key": _key(client.get(url)), "token": token})
    assert response.status_code == 402
    assert 'class="error"' in response.content.decode()
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_customer_pays_with_a_saved_card_and_cannot_use_anothers(
    client, customer, django_user_model, stocked_variant, checkout
):
    from apps.orders import services as orders

    order = orders.order_place(
        idempotency_key="k" * 32,
        request=checkout({stocked_variant(price="20.00"): 1}),
        actor=customer,
    )
    other = django_user_model.objects.create_user(
        email="other@example.com", password="correct horse battery"
    )
    theirs = services.payment_method_add(
        customer=other,
        gateway="dummy",
        token="tok_approve",
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        actor=other,
    )
    mine = services.payment_method_add(
        customer=customer,
        gateway="dummy",
        token="tok_approve_mine",
        brand="visa",
        last4="1111",
        exp_month=12,
        exp_year=2030,
        actor=customer,
    )
    client.force_login(customer)
    url = reverse("payments:pay", args=[order.number])
    page = client.get(url)
    assert "•••• 1111" in page.content.decode()
    assert "•••• 4242" not in page.content.decode()
    refused = client.post(url, {"key": _key(page), "method": theirs.pk})
    assert refused.status_code == 402
    assert not Payment.objects.exists()
    paid = client.post(url, {"key": _key(refused), "method": mine.pk})
    assert paid.status_code == 302
    assert Order.objects.get().status == "paid"
    assert PaymentMethod.objects.get(pk=theirs.pk).customer == other


def test_another_customers_order_cannot_be_paid_here(client, customer, order):
    client.force_login(customer)
    assert client.get(reverse("payments:pay", args=[order.number])).status_code == 404
    assert client.get(reverse("payments:guest-pay", args=["forged"])).status_code == 404

"""Saved cards: the gateway tokenizes them, the customer sees and removes only their own."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from apps.orders import services as orders
from apps.orders.models import Order
from apps.orders.notifications import guest_order_token
from apps.payments import services
from apps.payments.errors import CardNotSaved, PaymentDeclined
from apps.payments.models import Payment, PaymentMethod

pytestmark = pytest.mark.django_db


def _key(response) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', response.content.decode())[1]


@pytest.fixture
def place_for(stocked_variant, checkout):
    def make(customer):
        return orders.order_place(
            idempotency_key=new_key(),
            request=checkout({stocked_variant(price="20.00"): 1}),
            actor=customer,
        )

    return make


def new_key() -> str:
    return uuid.uuid4().hex


def test_a_card_saved_while_paying_is_the_gateways_token_and_pays_next_time(
    client, customer, place_for
):
    client.force_login(customer)
    first = place_for(customer)
    url = reverse("payments:pay", args=[first.number])
    paid = client.post(
        url,
        {"key": _key(client.get(url)), "token": "tok_approve", "save_card": "on"},
        follow=True,
    )
    assert "Visa •••• 4242 is saved for next time." in paid.content.decode()
    card = PaymentMethod.objects.get(customer=customer)
    assert (card.gateway, card.brand, card.last4) == ("dummy", "Visa", "4242")
    assert card.token.startswith("pm_") and "tok_approve" not in card.token
    assert card.exp_year >= 2026 and 1 <= card.exp_month <= 12
    # The next order is paid with the saved card.
    second = place_for(customer)
    url = reverse("payments:pay", args=[second.number])
    page = client.get(url)
    assert "Visa •••• 4242" in page.content.decode()
    assert client.post(url, {"key": _key(page), "method": card.pk}).status_code == 302
    assert Order.objects.get(pk=second.pk).status == "paid"
    assert Payment.objects.get(order=second).method == card


def test_a_saved_declining_card_still_declines(customer, place_for):
    card = services.payment_method_save(
        customer=customer, token="tok_decline", actor=customer
    )
    assert (card.brand, card.last4) == ("Visa", "0002")
    order = place_for(customer)
    with pytest.raises(PaymentDeclined):
        services.payment_authorize(
            order=order, actor=customer, idempotency_key=new_key(), method=card
        )
    order.refresh_from_db()
    assert order.status == "pending"


def test_the_gateway_refusing_a_token_saves_nothing(customer):
    with pytest.raises(CardNotSaved):
        services.payment_method_save(
            customer=customer, token="tok_unknown", actor=customer
        )
    assert not PaymentMethod.objects.exists()


def test_the_cards_page_lists_adds_and_removes_only_the_customers_own(
    client, customer, django_user_model, django_assert_num_queries
):
    other = django_user_model.objects.create_user(
        email="other@example.com", password="correct horse battery"
    )
    theirs = services.payment_method_save(
        customer=other, token="tok_approve", actor=other
    )
    client.force_login(customer)
    url = reverse("payments:cards")
    added = client.post(url, {"token": "tok_insufficient_funds"}, follow=True)
    assert "Mastercard •••• 9995 is saved." in added.content.decode()
    services.payment_method_save(customer=customer, token="tok_approve", actor=customer)
    with django_assert_num_queries(3):  # session, user, the cards: none per card
        page = client.get(url)
    html = page.content.decode()
    assert "Mastercard •••• 9995" in html and "Visa •••• 4242" in html
    assert html.count("saved-card") == 2  # not the other customer's card
    # Another customer's card cannot be removed (404) and stays as it was.
    gone = client.post(reverse("payments:card-remove", args=[theirs.pk]))
    assert gone.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    mine = PaymentMethod.objects.filter(customer=customer).order_by("pk").first()
    client.post(reverse("payments:card-remove", args=[mine.pk]))
    mine.refresh_from_db()
    assert not mine.is_active and mine.deactivated_at is not None
    assert client.get(url).content.decode().count("saved-card") == 1


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("4242 4242 4242 4242", "Never type a card number here"),
        ("tok_unknown", "The card could not be saved."),
        ("<script>", "This is not a card token."),
    ],
)
def test_a_bad_card_is_refused_next_to_the_field_and_nothing_is_saved(
    client, customer, token, message
):
    client.force_login(customer)
    response = client.post(reverse("payments:cards"), {"token": token})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaymentMethod.objects.exists()


def test_a_guest_is_not_offered_to_save_a_card(client, order):
    page = client.get(reverse("payments:guest-pay", args=[guest_order_token(order)]))
    assert page.status_code == 200 and "save_card" not in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("payments:cards"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_saved_cards_are_exported_and_switched_off_at_erasure(customer):
    from apps.accounts import gdpr

    card = services.payment_method_save(
        customer=customer, token="tok_approve", actor=customer
    )
    exported = gdpr.account_export(user=customer)["payment_methods"]
    assert [(c["brand"], c["last4"], c["active"]) for c in exported] == [
        ("Visa", "4242", True)
    ]
    assert card.token not in str(exported)
    gdpr.account_erase(user=customer)
    card.refresh_from_db()
    assert not card.is_active and card.deactivated_at is not None

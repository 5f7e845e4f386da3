"""Checkout and "my orders" as a customer uses them, through the test client."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts import services as accounts
from apps.inventory.models import Reservation
from apps.orders import services
from apps.orders.models import IdempotencyKey, Order, OutboxEvent

from .conftest import ADDRESS

NEW_ADDRESS = {k: v for k, v in ADDRESS.items() if v}


def _add(client, variant, quantity=1):
    response = client.post(
        reverse("orders:cart-add"), {"variant": variant.pk, "quantity": quantity}
    )
    assert response.status_code in (200, 302), response.content[:300]


def _to_review(client, shipping_method, email="guest@example.com", **address):
    data = {**NEW_ADDRESS, **address}
    if email:
        data["email"] = email
    response = client.post(reverse("orders:checkout-address"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("orders:checkout-delivery"), {"method": shipping_method.pk}
    )
    assert response.status_code == 302
    return client.get(reverse("orders:checkout-review"))


def _key(review) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', review.content.decode())[1]


def _nothing_placed():
    return (
        Order.objects.count(),
        Reservation.objects.count(),
        OutboxEvent.objects.count(),
        IdempotencyKey.objects.count(),
    ) == (0, 0, 0, 0)


def test_a_guest_checks_out_and_sees_the_order(
    client, stocked_variant, shipping_method
):
    shirt, socks = stocked_variant(price="20.00"), stocked_variant(price="5.00")
    _add(client, shirt, 2)
    _add(client, socks, 1)
    review = _to_review(client, shipping_method)
    assert review.status_code == 200
    html = review.content.decode()
    assert "€58.45" in html  # 45.00 of goods + 19 % tax 8.55 + delivery 4.90
    placed = client.post(reverse("orders:checkout-place"), {"key": _key(review)})
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.email == "guest@example.com" and order.customer is None
    assert placed["Location"].startswith("/orders/guest/")
    page = client.get(placed["Location"])
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert "Pending" in page.content.decode()
    # The cart is empty now.
    assert "Your cart is empty" in client.get(reverse("orders:cart")).content.decode()


def test_a_second_click_returns_the_same_order(
    client, stocked_variant, shipping_method
):
    _add(client, stocked_variant(), 1)
    key = _key(_to_review(client, shipping_method))
    first = client.post(reverse("orders:checkout-place"), {"key": key})
    second = client.post(reverse("orders:checkout-place"), {"key": key})
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1


def test_a_signed_in_customer_uses_a_saved_address_and_lists_orders(
    client, customer, stocked_variant, shipping_method
):
    saved = accounts.address_create(
        user=customer, data={**NEW_ADDRESS, "kind": "shipping", "city": "Paris"}
    )
    client.force_login(customer)
    _add(client, stocked_variant(), 1)
    response = client.post(reverse("orders:checkout-address"), {"saved": saved.pk})
    assert response.status_code == 302
    client.post(reverse("orders:checkout-delivery"), {"method": shipping_method.pk})
    review = client.get(reverse("orders:checkout-review"))
    assert "Paris" in review.content.decode()
    placed = client.post(reverse("orders:checkout-place"), {"key": _key(review)})
    order = Order.objects.get()
    assert placed["Location"] == reverse("orders:detail", args=[order.number])
    assert order.customer == customer and order.shipping_address["city"] == "Paris"
    listing = client.get(reverse("orders:list"))
    assert order.number in listing.content.decode()
    # The customer cancels the pending order; its stock goes back.
    client.post(reverse("orders:cancel", args=[order.number]), {"reason": "oops"})
    order.refresh_from_db()
    assert order.status == "cancelled"
    timeline = client.get(
        reverse("orders:detail", args=[order.number])
    ).content.decode()
    assert "Cancelled" in timeline and "Pending" in timeline


def test_another_customers_order_is_a_404(
    client, customer, django_user_model, stocked_variant, checkout, new_key
):
    other = django_user_model.objects.create_user(
        email="other@example.com", password="correct horse battery"
    )
    order = services.order_place(
        idempotency_key=new_key(), request=checkout({stocked_variant(): 1}), actor=other
    )
    client.force_login(customer)
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    response = client.post(reverse("orders:cancel", args=[order.number]))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_forged_guest_link_is_a_404(client, stocked_variant, checkout, new_key):
    services.order_place(
        idempotency_key=new_key(), request=checkout({stocked_variant(): 1}), actor=None
    )
    assert client.get(reverse("orders:guest", args=["forged:token"])).status_code == 404


def test_a_broken_rule_shows_on_the_review_page_and_places_nothing(
    client, stocked_variant, shipping_method
):
    _add(client, stocked_variant(price="1.00"), 1)
    review = _to_review(client, shipping_method)
    assert "must be at least €10.00" in review.content.decode()
    response = client.post(
        reverse("orders:checkout-place"), {"key": _key_or_new(review)}
    )
    assert response.status_code == 400
    assert "must be at least €10.00" in response.content.decode()
    assert _nothing_placed()


def _key_or_new(review) -> str:
    found = re.search(r'name="key" value="([0-9a-f]{32})"', review.content.decode())
    return found[1] if found else uuid.uuid4().hex


def test_a_key_reused_for_another_cart_is_refused(
    client, stocked_variant, shipping_method
):
    shirt = stocked_variant()
    _add(client, shirt, 1)
    key = _key(_to_review(client, shipping_method))
    client.post(reverse("orders:checkout-place"), {"key": key})
    # A new cart, placed with the old form's key (a stale tab).
    IdempotencyKey.objects.update(order=None)  # only the fingerprint guards now
    _add(client, shirt, 2)
    client.post(reverse("orders:checkout-address"), {**NEW_ADDRESS, "email": "g@e.com"})
    client.post(reverse("orders:checkout-delivery"), {"method": shipping_method.pk})
    response = client.post(reverse("orders:checkout-place"), {"key": key})
    assert response.status_code == 400
    assert "already used for a different cart" in response.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"city": ""},
        {"country": "Germany"},
        {"country": "1A"},
        {"email": "not-an-email"},
        {"postal_code": "9" * 100},
    ],
)
def test_bad_address_input_is_refused_next_to_the_field(
    client, stocked_variant, shipping_method, bad
):
    _add(client, stocked_variant(), 1)
    data = {**NEW_ADDRESS, "email": "guest@example.com", **bad}
    response = client.post(reverse("orders:checkout-address"), data)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert "checkout" not in client.session
    assert _nothing_placed()


@pytest.mark.parametrize("key", ["", "x" * 32, "../../etc", "A" * 32, "\x00" * 32])
def test_a_bad_key_places_nothing(client, stocked_variant, shipping_method, key):
    _add(client, stocked_variant(), 1)
    _to_review(client, shipping_method)
    response = client.post(reverse("orders:checkout-place"), {"key": key})
    assert response.status_code == 400
    assert _nothing_placed()


def test_an_unknown_delivery_method_is_refused(
    client, stocked_variant, shipping_method
):
    _add(client, stocked_variant(), 1)
    client.post(reverse("orders:checkout-address"), {**NEW_ADDRESS, "email": "g@e.com"})
    response = client.post(reverse("orders:checkout-delivery"), {"method": "999999"})
    assert response.status_code == 400
    assert "choose one of the delivery methods" in response.content.decode()


@override_settings(ORDERS_GUEST_CHECKOUT=False)
def test_without_guest_checkout_a_guest_is_sent_to_sign_in(client, stocked_variant):
    _add(client, stocked_variant(), 1)
    response = client.get(reverse("orders:checkout-address"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:sign-in"))


def _review_queries(client, stocked_variant, shipping_method, lines: int) -> int:
    for _ in range(lines):
        _add(client, stocked_variant(), 1)
    _to_review(client, shipping_method)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("orders:checkout-review")).status_code == 200
    return len(queries)


def test_the_review_page_queries_do_not_grow_with_lines(
    client, stocked_variant, shipping_method
):
    one = _review_queries(client, stocked_variant, shipping_method, 1)
    client.post(reverse("orders:checkout-place"), {"key": uuid.uuid4().hex})
    ten = _review_queries(client, stocked_variant, shipping_method, 10)
    assert one == ten


def test_order_place_queries_do_not_grow_with_lines(stocked_variant, checkout):
    def queries(lines: int) -> int:
        items = {stocked_variant(price="20.00"): 1 for _ in range(lines)}
        with CaptureQueriesContext(connection) as captured:
            services.order_place(
                idempotency_key=uuid.uuid4().hex,
                request=checkout(items, email=f"q{lines}@example.com"),
                actor=None,
            )
        return len(captured)

    assert queries(1) == queries(10)


def test_a_guest_cancels_a_pending_order_through_the_signed_link(
    client, stocked_variant, shipping_method
):
    shirt = stocked_variant(units=5)
    _add(client, shirt, 2)
    placed = client.post(
        reverse("orders:checkout-place"),
        {"key": _key(_to_review(client, shipping_method))},
    )
    link = placed["Location"]
    response = client.post(f"{link}cancel/", {"reason": "ordered twice"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert order.status_changes.last().note == "ordered twice"
    assert Reservation.objects.get().status == "released"
    # A second cancel is refused with a message, nothing changes.
    again = client.post(f"{link}cancel/", follow=True)
    assert "Only an order waiting for payment" in again.content.decode()

"""The cart in Redis: add / set / remove, the caps, the TTL, concurrent adds, the merge at
sign-in, re-pricing, and Redis being down. Real Redis, real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest

from apps.catalog import services as catalog
from apps.catalog.models import Price
from apps.orders import cart, cart_services
from apps.orders.errors import CartLineInvalid, CartUnavailable
from tests.accounts.factories import PASSWORD, UserFactory


def test_cart_add_set_remove_and_count(key):
    assert cart.cart_add(key=key, variant_id=7, quantity=2) == (cart.OK, 2)
    assert cart.cart_add(key=key, variant_id=7, quantity=3) == (cart.OK, 5)
    assert cart.cart_add(key=key, variant_id=9, quantity=1) == (cart.OK, 1)
    assert cart.cart_items(key) == {7: 5, 9: 1}
    assert cart.cart_count(key) == 6  # units, not lines

    assert cart.cart_set(key=key, variant_id=7, quantity=2) == (cart.OK, 2)
    assert cart.cart_remove(key=key, variant_id=9) is True
    assert cart.cart_remove(key=key, variant_id=9) is False

    assert cart.cart_items(key) == {7: 2}
    assert cart.cart_count(key) == 2


def test_cart_set_refuses_a_line_not_in_the_cart(key):
    assert cart.cart_set(key=key, variant_id=7, quantity=2) == (cart.NOT_IN_CART, 0)
    assert cart.cart_items(key) == {}


def test_cart_clear_deletes_the_cart_and_its_seen_prices(key, redis_conn):
    cart.cart_add(key=key, variant_id=7, quantity=1, seen_price=Decimal("4.00"))
    cart.cart_clear(key)
    assert redis_conn.exists(key, f"{key}:seen") == 0


def test_cart_count_of_no_cart_is_zero_without_a_call(redis_down):
    assert cart.cart_count(None) == 0


def test_cart_refuses_a_line_past_the_line_cap(key, settings):
    settings.ORDERS_CART_MAX_LINES = 2
    cart.cart_add(key=key, variant_id=1, quantity=1)
    cart.cart_add(key=key, variant_id=2, quantity=1)

    assert cart.cart_add(key=key, variant_id=3, quantity=1) == (cart.TOO_MANY_LINES, 0)
    # a line already there still grows
    assert cart.cart_add(key=key, variant_id=2, quantity=1) == (cart.OK, 2)
    assert cart.cart_items(key) == {1: 1, 2: 2}


def test_cart_refuses_units_past_the_line_caps(key, settings):
    settings.ORDERS_MAX_ITEMS = 5
    cart.cart_add(key=key, variant_id=1, quantity=3)

    assert cart.cart_add(key=key, variant_id=1, quantity=3) == (cart.TOO_MANY_UNITS, 3)
    assert cart.cart_set(key=key, variant_id=1, quantity=6) == (cart.TOO_MANY_UNITS, 3)
    # a smaller cap of the caller's (the stock) wins
    assert cart.cart_add(key=key, variant_id=1, quantity=1, max_quantity=3) == (
        cart.TOO_MANY_UNITS,
        3,
    )
    assert cart.cart_items(key) == {1: 3}


def test_cart_ttl_is_set_and_refreshed_on_every_change(key, redis_conn, settings):
    settings.ORDERS_CART_TTL = 1000
    cart.cart_add(key=key, variant_id=1, quantity=1, seen_price=Decimal("2.00"))
    assert 990 < redis_conn.ttl(key) <= 1000
    assert 990 < redis_conn.ttl(f"{key}:seen") <= 1000

    for change in (
        lambda: cart.cart_add(key=key, variant_id=2, quantity=1),
        lambda: cart.cart_set(key=key, variant_id=1, quantity=4),
        lambda: cart.cart_remove(key=key, variant_id=2),
    ):
        redis_conn.expire(key, 10)
        redis_conn.expire(f"{key}:seen", 10)
        change()
        assert 990 < redis_conn.ttl(key) <= 1000
        assert 990 < redis_conn.ttl(f"{key}:seen") <= 1000


def test_two_threads_adding_at_once_lose_nothing(key, settings):
    settings.ORDERS_MAX_ITEMS = 1000
    start = threading.Barrier(2)
    failures = []

    def add_fifty():
        start.wait()
        for _ in range(50):
            status, _ = cart.cart_add(key=key, variant_id=1, quantity=1)
            if status != cart.OK:
                failures.append(status)

    threads = [threading.Thread(target=add_fifty) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert cart.cart_items(key) == {1: 100}


def test_cart_merge_adds_quantities_caps_them_and_deletes_the_source(
    redis_conn, settings
):
    settings.ORDERS_MAX_ITEMS = 10
    source = cart.guest_cart_key(uuid.uuid4().hex)
    target = cart.user_cart_key(10**9)
    for variant, quantity in {1: 2, 2: 5, 3: 9, 4: 1, 5: 1, 6: 1}.items():
        cart.cart_add(key=source, variant_id=variant, quantity=quantity)
    settings.ORDERS_CART_MAX_LINES = 4
    cart.cart_add(key=target, variant_id=1, quantity=3)
    cart.cart_add(key=target, variant_id=2, quantity=4)
    cart.cart_add(key=target, variant_id=3, quantity=5, seen_price=Decimal("1.00"))

    # 6 has no cap given (added after the caps were read): units per line cap it
    merged, reduced = cart.cart_merge(
        source=source, target=target, caps={1: 100, 2: 6, 3: 0, 4: 0, 5: 50}
    )

    # 1: 3+2; 2: 4+5 capped by stock at 6; 3: stays 5 (no stock, never lowered);
    # 4: no stock, not added; 5: the fourth line; 6: a fifth line, past the line cap
    assert cart.cart_items(target) == {1: 5, 2: 6, 3: 5, 5: 1}
    assert (merged, reduced) == (3, 4)
    assert redis_conn.exists(source, f"{source}:seen") == 0
    cart.cart_clear(target)


def test_sign_in_merges_the_guest_cart_capped_by_stock(client, make_variant):
    # given: a customer's cart holds 3 of a variant with 8 in stock; as a guest they add 6
    plenty, scarce = make_variant(units=50), make_variant(units=8)
    user = UserFactory()
    cart.cart_add(key=cart.user_cart_key(user.pk), variant_id=scarce.pk, quantity=3)
    client.post("/cart/add/", {"variant": scarce.pk, "quantity": 6})
    client.post("/cart/add/", {"variant": plenty.pk, "quantity": 2})
    guest = cart.guest_cart_key(client.session[cart.SESSION_FIELD])
    assert cart.cart_items(guest) == {scarce.pk: 6, plenty.pk: 2}

    # when
    response = client.post(
        "/account/sign-in/", {"username": user.email, "password": PASSWORD}
    )

    # then
    assert response.status_code == 302
    assert cart.cart_items(cart.user_cart_key(user.pk)) == {scarce.pk: 8, plenty.pk: 2}
    assert cart.cart_items(guest) == {}
    assert cart.SESSION_FIELD not in client.session
    assert (
        '<a class="cart-link" href="/cart/">Cart (10)</a>'
        in client.get("/").content.decode()
    )


def test_sign_in_still_works_with_redis_down(client, make_variant, redis_down):
    user = UserFactory()
    session = client.session
    session[cart.SESSION_FIELD] = "guest-token"
    session.save()

    response = client.post(
        "/account/sign-in/", {"username": user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_cart_line_add_refuses_what_is_not_sold_or_out_of_stock(key, make_variant):
    gone = make_variant()
    catalog.variant_update(variant=gone, is_active=False)
    empty = make_variant(units=0)
    no_price = make_variant()
    Price.objects.filter(variant=no_price).delete()

    refusals = {}
    for variant_id in (gone.pk, empty.pk, no_price.pk, 10**12):
        with pytest.raises(CartLineInvalid) as refused:
            cart_services.cart_line_add(key=key, variant_id=variant_id, quantity=1)
        refusals[variant_id] = refused.value.message

    assert refusals == {
        gone.pk: "This item is no longer sold.",
        empty.pk: "This item is out of stock.",
        no_price.pk: "This item has no price at the moment.",
        10**12: "This item is no longer sold.",
    }
    assert cart.cart_items(key) == {}


def test_cart_line_add_caps_by_stock(key, make_variant):
    variant = make_variant(units=4)
    cart_services.cart_line_add(key=key, variant_id=variant.pk, quantity=3)

    with pytest.raises(CartLineInvalid) as refused:
        cart_services.cart_line_add(key=key, variant_id=variant.pk, quantity=2)

    assert refused.value.message == "Only 4 left in stock (your cart holds 3)."
    assert cart.cart_items(key) == {variant.pk: 3}


def test_cart_review_flags_a_changed_price_once_and_an_unavailable_line(
    key, make_variant
):
    kept = make_variant(price="10.00")
    dearer = make_variant(price="10.00")
    withdrawn = make_variant(price="5.00")
    for variant in (kept, dearer, withdrawn):
        cart_services.cart_line_add(key=key, variant_id=variant.pk, quantity=2)
    catalog.price_set(variant=dearer, amount=Decimal("12.50"))
    catalog.variant_update(variant=withdrawn, is_active=False)

    review = cart_services.cart_review(key)

    assert review.price_changes == {
        dearer.pk: cart_services.PriceChange(was=Decimal("10.00"), now=Decimal("12.50"))
    }
    assert {line.variant_id: line.problem for line in review.lines} == {
        kept.pk: "",
        dearer.pk: "",
        withdrawn.pk: "This item is no longer sold.",
    }
    # the withdrawn line counts for nothing; 45.00 net plus 19% tax
    assert review.totals.subtotal == Decimal("45.00")
    assert review.totals.tax == Decimal("8.55")
    assert review.checkout_ready is False
    # shown once: the next view has no change to report
    assert cart_services.cart_review(key).price_changes == {}


def test_every_cart_call_becomes_cart_unavailable_when_redis_is_down(redis_down):
    key = cart.guest_cart_key("any")
    calls = [
        lambda: cart.cart_items(key),
        lambda: cart.cart_contents(key),
        lambda: cart.cart_count(key),
        lambda: cart.cart_add(key=key, variant_id=1, quantity=1),
        lambda: cart.cart_set(key=key, variant_id=1, quantity=1),
        lambda: cart.cart_remove(key=key, variant_id=1),
        lambda: cart.cart_clear(key),
        lambda: cart.cart_merge(source=key, target=key + "x", caps={}),
    ]
    for call in calls:
        with pytest.raises(CartUnavailable):
            call()

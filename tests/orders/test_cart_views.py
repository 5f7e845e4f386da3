"""The cart pages: add, change, remove, the re-priced page and its fixed queries, bad input
refused with nothing changed, and Redis being down."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from apps.catalog import services as catalog
from apps.inventory import services as inventory
from apps.orders import cart
from tests.catalog.factories import ProductFactory, PromotionFactory

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly, the same for 1 line and for 10: the session, the user,
# variants (+ product, category), prices, promotions, tiers, option values, stock.
CART_PAGE_QUERIES = 8


def _add(client, variant_id, quantity=1):
    return client.post("/cart/add/", {"variant": variant_id, "quantity": quantity})


def _items(client) -> dict[int, int]:
    user_id = client.session.get("_auth_user_id")
    if user_id:
        return cart.cart_items(cart.user_cart_key(int(user_id)))
    token = client.session.get(cart.SESSION_FIELD)
    return cart.cart_items(cart.guest_cart_key(token)) if token else {}


def _stock(variant, warehouse):
    return inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)


def test_added_line_shows_with_its_price_promotion_and_totals(client, make_variant):
    variant = make_variant(price="10.00", product=ProductFactory(name="Lamp"))
    PromotionFactory(variant=variant, amount=Decimal("8.00"), label="Spring")

    response = _add(client, variant.pk, 2)

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert _items(client) == {variant.pk: 2}
    page = client.get("/cart/")
    assert page.status_code == 200
    assertContains(page, "Added to your cart.")
    assertContains(page, "Lamp")
    assertContains(page, "€10.00")  # the unit's list price
    assertContains(page, "Sale −€4.00")
    assertContains(page, "€16.00")  # the line, after the promotion
    assertContains(page, '<dd data-total="subtotal">€20.00</dd>', html=True)
    assertContains(page, '<dd data-total="discount">−€4.00</dd>', html=True)
    assertContains(page, '<dd data-total="tax">€3.04</dd>', html=True)
    assertContains(
        page, '<dd data-total="total"><strong>€19.04</strong></dd>', html=True
    )
    assertContains(page, "Shipping calculated at checkout")
    assertContains(page, '<a class="button" href="/checkout/">Checkout</a>', html=True)


def test_checkout_with_an_empty_cart_leads_back_to_the_cart(client):
    response = client.get("/checkout/", follow=True)
    assert response.redirect_chain[-1] == ("/cart/", 302)
    assertContains(response, "Your cart is empty.")


def test_empty_cart_page_creates_no_session(client):
    response = client.get("/cart/")
    assertContains(response, "Your cart is empty.")
    assert "sessionid" not in response.cookies


def test_cart_page_tells_a_price_change_once(client, make_variant):
    variant = make_variant(price="10.00")
    _add(client, variant.pk)
    catalog.price_set(variant=variant, amount=Decimal("12.00"))

    first = client.get("/cart/")
    again = client.get("/cart/")

    assertContains(first, "Price changed from €10.00 to €12.00.")
    assertNotContains(again, "Price changed")
    assertContains(again, "€12.00")


def test_cart_page_flags_lines_that_cannot_be_bought_as_they_are(
    client, make_variant, warehouse
):
    gone, sold_out, scarce, fine = (make_variant(units=5) for _ in range(4))
    for variant in (gone, sold_out, scarce, fine):
        _add(client, variant.pk, 3)
    catalog.variant_update(variant=gone, is_active=False)
    inventory.stock_adjust(
        stock=_stock(sold_out, warehouse), quantity=-5, reason="lost"
    )
    inventory.stock_adjust(stock=_stock(scarce, warehouse), quantity=-4, reason="lost")

    page = client.get("/cart/")

    html = page.content.decode()
    assertContains(page, "This item is no longer sold.")
    assertContains(page, "Out of stock.")
    assertContains(page, "Only 1 left in stock.")
    assert html.count('class="line-problem"') == 3
    assertNotContains(page, "/checkout/")
    assertContains(page, "Please change or remove the items marked above")


def test_cart_page_runs_the_same_queries_for_one_line_or_ten(
    client, customer, make_variant, django_assert_num_queries
):
    client.force_login(customer)
    variants = [make_variant(price=f"{10 + n}.00") for n in range(10)]
    PromotionFactory(variant=variants[0])
    _add(client, variants[0].pk)

    with django_assert_num_queries(CART_PAGE_QUERIES):
        one = client.get("/cart/")
    for variant in variants[1:]:
        _add(client, variant.pk, 2)
    with django_assert_num_queries(CART_PAGE_QUERIES):
        ten = client.get("/cart/")

    assert one.content.decode().count('class="cart-line') == 1
    assert ten.content.decode().count('class="cart-line') == 10


def test_quantity_change_and_removal(client, make_variant):
    variant, other = make_variant(), make_variant()
    _add(client, variant.pk)
    _add(client, other.pk)

    changed = client.post(f"/cart/line/{variant.pk}/", {"quantity": "4"})
    removed = client.post(f"/cart/line/{other.pk}/remove/")

    assert changed.status_code == 302 and removed.status_code == 302
    assert _items(client) == {variant.pk: 4}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "abc", "Please enter a quantity from 1 to 50."),
        ("quantity", "0", "Please enter a quantity from 1 to 50."),
        ("quantity", "-1", "Please enter a quantity from 1 to 50."),
        ("quantity", "2.5", "Please enter a quantity from 1 to 50."),
        ("quantity", "51", "Please enter a quantity from 1 to 50."),
        ("quantity", "9" * 30, "Ensure this value has at most 20 characters"),
        ("quantity", "1_0", "Please enter a quantity from 1 to 50."),
        ("quantity", "١", "Please enter a quantity from 1 to 50."),
        ("quantity", "1\x00", "which text cannot contain"),
        ("quantity", "", "Please enter a quantity from 1 to 50."),
        ("variant", "abc", "This item is not sold here."),
        ("variant", "0", "This item is not sold here."),
        ("variant", "99999999999999999999", "This item is not sold here."),
        ("variant", "12\x00", "which text cannot contain"),
        ("variant", "", "This field is required."),
    ],
)
def test_add_refuses_bad_input_and_changes_nothing(
    client, make_variant, field, value, message
):
    kept = make_variant()
    _add(client, kept.pk, 2)
    data = {"variant": str(make_variant().pk), "quantity": "1", field: value}

    response = client.post("/cart/add/", data)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    # The cart page says so; a NUL is refused before it, by the shared layer ("Nothing was
    # changed").
    changed_nothing = "not changed" if "\x00" not in value else "Nothing was changed"
    assertContains(response, changed_nothing, status_code=400)
    assert _items(client) == {kept.pk: 2}


def test_add_refuses_what_is_not_for_sale_and_changes_nothing(client, make_variant):
    kept = make_variant()
    _add(client, kept.pk, 2)
    inactive = make_variant()
    catalog.variant_update(variant=inactive, is_active=False)
    draft = make_variant(product=ProductFactory(draft=True))
    sold_out = make_variant(units=0)

    refused = {
        variant_id: _add(client, variant_id)
        for variant_id in (inactive.pk, draft.pk, sold_out.pk, 10**15)
    }

    assert {v: r.status_code for v, r in refused.items()} == dict.fromkeys(refused, 400)
    assertContains(
        refused[inactive.pk], "This item is no longer sold.", status_code=400
    )
    assertContains(refused[draft.pk], "This item is no longer sold.", status_code=400)
    assertContains(refused[sold_out.pk], "This item is out of stock.", status_code=400)
    assertContains(refused[10**15], "This item is no longer sold.", status_code=400)
    assert _items(client) == {kept.pk: 2}


def test_refused_add_by_a_new_visitor_creates_no_session(client, make_variant):
    response = client.post("/cart/add/", {"variant": "abc", "quantity": "1"})
    assert response.status_code == 400
    assert "sessionid" not in response.cookies


def test_add_past_the_stock_or_the_caps_is_refused_and_changes_nothing(
    client, make_variant, settings
):
    scarce = make_variant(units=3)
    _add(client, scarce.pk, 2)

    over_stock = _add(client, scarce.pk, 2)

    assertContains(
        over_stock, "Only 3 left in stock (your cart holds 2).", status_code=400
    )
    settings.ORDERS_CART_MAX_LINES = 1
    too_many_lines = _add(client, make_variant().pk)
    assertContains(
        too_many_lines, "Your cart can hold at most 1 different items.", status_code=400
    )
    assert _items(client) == {scarce.pk: 2}


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/cart/line/{v}/", {"quantity": "0"}, "Please enter a quantity from 1 to 50."),
        ("/cart/line/{v}/", {"quantity": "x"}, "Please enter a quantity from 1 to 50."),
        (
            "/cart/line/{v}/",
            {"quantity": "6"},
            "Only 5 left in stock (your cart holds 2).",
        ),
        ("/cart/line/{v}/", {}, "Please enter a quantity from 1 to 50."),
        ("/cart/line/abc/", {"quantity": "1"}, "This item is not sold here."),
        ("/cart/line/{other}/", {"quantity": "1"}, "This item is not in your cart."),
        ("/cart/line/{other}/remove/", {}, "This item is not in your cart."),
        ("/cart/line/-3/remove/", {}, "This item is not sold here."),
        ("/cart/line/%00/remove/", {}, "which text cannot contain"),
    ],
)
def test_line_changes_refuse_bad_input_and_change_nothing(
    client, make_variant, path, data, message
):
    variant, other = make_variant(units=5), make_variant()
    _add(client, variant.pk, 2)

    response = client.post(path.format(v=variant.pk, other=other.pk), data)

    assertContains(response, message, status_code=400)
    assert _items(client) == {variant.pk: 2}


def test_cart_forms_take_post_only(client):
    assert client.get("/cart/add/").status_code == 405
    assert client.post("/cart/").status_code == 405


def test_redis_down_cart_is_503_with_a_message_and_the_shop_serves_on(
    client, make_variant, request
):
    variant = make_variant(product=ProductFactory(name="Kettle"))
    _add(client, variant.pk)
    request.getfixturevalue("redis_down")

    cart_page = client.get("/cart/")
    add = _add(client, variant.pk)
    product_page = client.get(f"/p/{variant.product.slug}/")

    assertContains(cart_page, "The cart is unavailable at the moment", status_code=503)
    assertContains(add, "The cart is unavailable at the moment", status_code=503)
    assertContains(product_page, "Kettle")
    assert client.get("/").status_code == 200
    assert client.get("/search/?q=kettle").status_code == 200


def _form_tokens(response) -> list[str]:
    return re.findall(
        r'name="csrfmiddlewaretoken" value="([^"]*)"', response.content.decode()
    )


def test_product_page_has_an_add_form_per_variant(client, make_variant):
    small = make_variant(product=ProductFactory(name="Mug"))
    large = make_variant(product=small.product, units=0)

    page = client.get(f"/p/{small.product.slug}/")

    html = page.content.decode()
    assert html.count('action="/cart/add/"') == 2
    assertContains(page, f'<input type="hidden" name="variant" value="{small.pk}">')
    assertContains(page, f'<input type="hidden" name="variant" value="{large.pk}">')
    assertContains(page, "Add to cart", count=1)
    assertContains(page, '<button type="submit" disabled>Out of stock</button>')


def test_cached_product_page_gives_each_visitor_a_working_csrf_token(
    make_variant, django_assert_num_queries
):
    variant = make_variant(product=ProductFactory(name="Mug"))
    url = f"/p/{variant.product.slug}/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(url)  # renders the page and caches it whole

    with django_assert_num_queries(0):
        cached = second.get(url)

    (token,) = _form_tokens(cached)
    assert "csrf-token-slot" not in cached.content.decode()
    assert "csrftoken" in cached.cookies
    added = second.post(
        "/cart/add/",
        {"csrfmiddlewaretoken": token, "variant": variant.pk, "quantity": 1},
    )
    assert added.status_code == 302
    assert _items(second) == {variant.pk: 1}
    # another visitor's token is no good
    third = Client(enforce_csrf_checks=True)
    third.get(url)
    refused = third.post(
        "/cart/add/",
        {"csrfmiddlewaretoken": token, "variant": variant.pk, "quantity": 1},
    )
    assert refused.status_code == 403
    assert _items(third) == {}


def _header(response) -> str:
    return re.search(r'<a class="cart-link"[^>]*>[^<]*</a>', response.content.decode())[
        0
    ]


def test_header_counts_the_units_in_the_cart(client, make_variant):
    assert _header(client.get("/")) == '<a class="cart-link" href="/cart/">Cart (0)</a>'
    _add(client, make_variant().pk, 1)
    _add(client, make_variant().pk, 2)

    assert _header(client.get("/")) == '<a class="cart-link" href="/cart/">Cart (3)</a>'


def test_header_shows_no_count_when_redis_is_down_and_pages_still_serve(
    client, customer, make_variant, request
):
    variant = make_variant(product=ProductFactory(name="Kettle"))
    client.force_login(customer)
    _add(client, variant.pk, 2)
    request.getfixturevalue("redis_down")

    for url in ("/", f"/p/{variant.product.slug}/", "/search/?q=kettle"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _header(response) == '<a class="cart-link" href="/cart/">Cart</a>'
    assertContains(client.get("/cart/"), "The cart is unavailable", status_code=503)

"""The whole buying flow in the browser.

A guest adds two products to the cart from their pages, checks out (address with email,
delivery, review, Place order) and lands on the order's page behind the guest link, the one
the confirmation mail carries. A customer signs in, adds two sizes of a shirt, checks out and
finds the order in "My orders"; staff sign in to the back office, mark it paid and ship it;
the customer's order page then shows the timeline Pending, Paid, Shipped.
"""

from __future__ import annotations

import copy
import re
import uuid
from decimal import Decimal

import pytest
from django.core import mail

from apps.inventory import services as inventory
from apps.inventory.models import Warehouse
from apps.orders.models import Order, ShippingMethod
from apps.orders.notifications import guest_order_number
from apps.orders.outbox import outbox_relay
from tests.catalog.factories import (
    OptionValueFactory,
    ProductFactory,
    ProductOptionFactory,
    ProductTypeFactory,
    ProductVariantFactory,
)
from tests.e2e.conftest import staff_second_factor, watch_csp

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # the `customer` and `staff` fixtures' password
ADDRESS = {
    "Full name": "Ada Lovelace",
    "Address line 1": "1 Analytical Row",
    "Postal code": "N1 1AA",
    "City": "London",
    "Country": "GB",
}


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A cache key prefix of this test's own (the carts live there), removed afterwards."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"shop-test-e2e-checkout-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")


@pytest.fixture
def warehouse():
    return Warehouse.objects.create(code="main", name="Main", priority=1)


@pytest.fixture
def on_sale(warehouse):
    """on_sale(product, sku, price, units=10, **fields): a variant with stock."""

    def make(product, sku, price, units=10, **fields):
        variant = ProductVariantFactory(
            product=product, sku=sku, price=Decimal(price), **fields
        )
        stock = inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)
        inventory.stock_receive(stock=stock, quantity=units)
        return variant

    return make


@pytest.fixture
def standard_delivery():
    return ShippingMethod.objects.create(
        name="Standard", price=Decimal("4.90"), free_above=Decimal("100.00")
    )


@pytest.fixture
def new_page(browser, csp_violations):
    """new_page(): a page in a browser context of its own (another person)."""
    contexts = []

    def make():
        context = browser.new_context()
        contexts.append(context)
        page = watch_csp(context.new_page(), csp_violations)
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def add_to_cart(page, base_url, variant, quantity):
    page.goto(f"{base_url}/p/{variant.product.slug}/")
    form = page.locator(f'form.add-to-cart-form[data-variant="{variant.pk}"]')
    form.get_by_label("Quantity").fill(str(quantity))
    form.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(f"{base_url}/cart/")


def fill_address(page):
    for label, value in ADDRESS.items():
        page.get_by_label(label, exact=True).fill(value)


def line_rows(page):
    """The order lines as [item cell, unit price, quantity, total] texts."""
    rows = page.locator("table.lines tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def totals(page):
    """The totals list as {term: amount}."""
    box = page.locator("dl.totals")
    return dict(
        zip(
            box.locator("dt").all_inner_texts(),
            box.locator("dd").all_inner_texts(),
            strict=True,
        )
    )


def timeline(page):
    """The statuses of the order's timeline, oldest first (the time left out)."""
    entries = page.locator("ol.timeline li")
    return [
        entries.nth(i)
        .inner_text()
        .removeprefix(entries.nth(i).locator("time").inner_text())
        .strip()
        for i in range(entries.count())
    ]


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/account/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/account/")


def test_guest_checks_out_and_sees_the_order_through_the_guest_link(
    page, new_page, live_server, settings, on_sale, standard_delivery
):
    settings.SITE_URL = live_server.url
    mail.outbox.clear()
    teapot = on_sale(ProductFactory(name="Teapot"), "TEA-1", "12.00")
    mug = on_sale(ProductFactory(name="Mug"), "MUG-1", "8.00")
    base = live_server.url

    # Two products, each from its page.
    add_to_cart(page, base, teapot, 2)
    add_to_cart(page, base, mug, 1)
    assert page.locator(".cart-link").inner_text() == "Cart (3)"
    assert page.inner_text('[data-total="subtotal"]') == "€32.00"
    page.get_by_role("link", name="Checkout").click()

    # Address, with the email the confirmation goes to.
    page.wait_for_url(f"{base}/checkout/address/")
    assert page.locator('[aria-current="step"]').inner_text() == "Address"
    page.get_by_label("Email").fill("guest@example.com")
    fill_address(page)
    page.get_by_role("button", name="Continue to delivery").click()

    # Delivery: goods of €32.00 pay for it.
    page.wait_for_url(f"{base}/checkout/delivery/")
    standard = page.locator("label.choice", has_text="Standard")
    assert standard.inner_text().strip() == "Standard — €4.90 Free from €100.00."
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Continue to review").click()

    # Review: the lines, the money, where it goes and where the confirmation goes.
    page.wait_for_url(f"{base}/checkout/review/")
    assert page.get_by_role("heading", level=1).inner_text() == "Review your order"
    assert line_rows(page) == [
        ["Teapot TEA-1", "€12.00", "2", "€24.00"],
        ["Mug MUG-1", "€8.00", "1", "€8.00"],
    ]
    assert totals(page) == {
        "Goods at list price": "€32.00",
        "Tax": "€6.08",  # 19% of 24.00 and of 8.00
        "Delivery (Standard)": "€4.90",  # not taxed
        "Total": "€42.98",
    }
    assert "Ada Lovelace" in page.locator(".review-addresses address").inner_text()
    assert "guest@example.com" in page.locator(".review-addresses").inner_text()
    page.get_by_role("button", name="Place order").click()

    # The confirmation: the order's page behind the guest link.
    page.wait_for_url(re.compile(r"/orders/guest/[^/]+/$"))
    order = Order.objects.get(email="guest@example.com")
    assert order.customer_id is None
    assert page.locator(".messages li.success").inner_text() == (
        f"Thank you! Your order {order.number} is placed and waits for payment."
    )
    assert page.get_by_role("heading", level=1).inner_text() == f"Order {order.number}"
    assert page.locator(".badge.status-pending").inner_text() == "Pending payment"
    assert "please pay by" in page.locator("main").inner_text()
    assert totals(page)["Total"] == "€42.98"
    assert timeline(page) == ["Pending"]
    assert page.locator(".cart-link").inner_text() == "Cart (0)"
    guest_path = page.url.removeprefix(base)

    # The confirmation mail carries the same link; it opens the order anywhere.
    outbox_relay(batch_size=10)
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]
    link = re.search(r"https?://\S+/orders/guest/\S+/", mail.outbox[0].body).group(0)
    # Both links name this order (each is signed when it is made, so they differ in time).
    assert link.startswith(f"{base}/orders/guest/")
    token_in_mail = link.removeprefix(f"{base}/orders/guest/").rstrip("/")
    token_of_page = guest_path.removeprefix("/orders/guest/").rstrip("/")
    assert guest_order_number(token_in_mail) == guest_order_number(token_of_page)
    assert guest_order_number(token_in_mail) == order.number
    elsewhere = new_page()
    elsewhere.goto(link)
    assert (
        elsewhere.get_by_role("heading", level=1).inner_text()
        == f"Order {order.number}"
    )
    assert elsewhere.locator(".badge").first.inner_text() == "Pending payment"


def test_customer_orders_staff_pay_and_ship_customer_sees_the_timeline(
    new_page, live_server, customer, staff, on_sale, standard_delivery
):
    base = live_server.url
    shirts = ProductTypeFactory(name="Shirts")
    size = ProductOptionFactory(product_type=shirts, name="Size")
    shirt = ProductFactory(name="Oxford Shirt", product_type=shirts)
    small = on_sale(
        shirt,
        "OX-S",
        "29.90",
        option_values=[OptionValueFactory(option=size, value="S", position=0)],
    )
    large = on_sale(
        shirt,
        "OX-L",
        "34.90",
        option_values=[OptionValueFactory(option=size, value="L", position=1)],
    )

    # The customer signs in, adds both sizes from the shirt's page and checks out.
    shopper = new_page()
    sign_in(shopper, base, customer.email)
    add_to_cart(shopper, base, small, 1)
    add_to_cart(shopper, base, large, 3)
    assert shopper.locator(".cart-link").inner_text() == "Cart (4)"
    shopper.get_by_role("link", name="Checkout").click()
    shopper.wait_for_url(f"{base}/checkout/address/")
    assert shopper.get_by_label("Email").count() == 0  # the account's email is used
    fill_address(shopper)
    shopper.get_by_role("button", name="Continue to delivery").click()
    shopper.wait_for_url(f"{base}/checkout/delivery/")
    # goods of €134.60 ship free
    standard = shopper.locator("label.choice", has_text="Standard")
    assert standard.inner_text().strip() == "Standard — free"
    shopper.get_by_label("Standard").check()
    shopper.get_by_role("button", name="Continue to review").click()
    shopper.wait_for_url(f"{base}/checkout/review/")
    assert line_rows(shopper) == [
        ["Oxford Shirt S OX-S", "€29.90", "1", "€29.90"],
        ["Oxford Shirt L OX-L", "€34.90", "3", "€104.70"],
    ]
    assert totals(shopper) == {
        "Goods at list price": "€134.60",
        "Tax": "€25.57",  # 5.68 + 19.89, rounded per line
        "Delivery (Standard)": "free",
        "Total": "€160.17",
    }
    assert customer.email in shopper.locator(".review-addresses").inner_text()
    shopper.get_by_role("button", name="Place order").click()
    order = Order.objects.get(customer=customer)
    shopper.wait_for_url(f"{base}/orders/{order.number}/")
    assert (
        shopper.get_by_role("heading", level=1).inner_text() == f"Order {order.number}"
    )
    assert shopper.locator(".badge.status-pending").inner_text() == "Pending payment"

    # "My orders" lists it.
    shopper.get_by_role("link", name="All my orders").click()
    shopper.wait_for_url(f"{base}/orders/")
    rows = shopper.locator("table.orders tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert [cells[0], *cells[2:]] == [order.number, "Pending payment", "4", "€160.17"]

    # Staff sign in to the back office and open the order.
    office = new_page()
    office.goto(f"{base}/admin/")
    office.wait_for_url(re.compile(r"/admin/login/"))
    office.get_by_label("Email").fill(staff.email)
    office.get_by_label("Password").fill(PASSWORD)
    office.get_by_role("button", name="Log in").click()
    # A superuser's first sign-in: set up the authenticator app, then in.
    office.wait_for_url(re.compile(r"/admin/second-factor/set-up/"))
    assert office.locator(".second-factor-qr svg").count() == 1
    staff_second_factor(office, staff)
    office.wait_for_url(f"{base}/admin/")
    office.goto(f"{base}/admin/orders/order/")
    office.get_by_role("link", name=order.number, exact=True).click()
    change_url = f"{base}/admin/orders/order/{order.pk}/change/"
    office.wait_for_url(change_url)
    status = office.locator(".field-status .readonly")
    assert status.inner_text() == "Pending payment"

    # Mark paid, with a reason.
    office.get_by_role("link", name="Mark paid", exact=True).click()
    assert "is pending payment" in office.locator("#content").inner_text()
    office.get_by_label("Reason").fill("Bank transfer received")
    office.get_by_role("button", name="Mark paid").click()
    office.wait_for_url(change_url)
    assert office.locator(".messagelist .success").inner_text() == "Mark paid: done."
    assert status.inner_text() == "Paid"

    # Ship: every line's quantity is filled in already.
    office.get_by_role("link", name="Ship", exact=True).click()
    assert office.get_by_label("OX-S Oxford Shirt").input_value() == "1"
    assert office.get_by_label("OX-L Oxford Shirt").input_value() == "3"
    office.get_by_label("Carrier").fill("DHL")
    office.get_by_label("Tracking number").fill("JD0001")
    office.get_by_role("button", name="Ship").click()
    office.wait_for_url(change_url)
    assert office.locator(".messagelist .success").inner_text() == "Ship: done."
    assert status.inner_text() == "Shipped"

    # The customer's order page: shipped, the shipment and the whole timeline.
    shopper.get_by_role("link", name=order.number).click()
    shopper.wait_for_url(f"{base}/orders/{order.number}/")
    assert shopper.locator(".badge.status-shipped").inner_text() == "Shipped"
    shipment = shopper.locator("section", has_text="Shipments").locator("li")
    assert "DHL, tracking JD0001" in shipment.inner_text()
    assert "1 × OX-S" in shipment.inner_text()
    assert "3 × OX-L" in shipment.inner_text()
    assert timeline(shopper) == ["Pending", "Paid", "Shipped"]
    assert shopper.get_by_role("button", name="Cancel this order").count() == 0

"""Paying in the browser, and finance giving part of it back.

A guest places an order and pays: the first card is declined and the page says so, the
second pays. Staff open the order in the back office, follow its Payments link, capture the
payment (the shop does not capture on authorization) and refund part of it with a reason.
The guest's order page then lists the refund.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from apps.orders.models import Order
from apps.payments.gateway import DummyGateway
from apps.payments.models import Payment, Refund
from tests.catalog.factories import ProductFactory
from tests.e2e.conftest import staff_second_factor
from tests.second_factor import staff_device

from .test_checkout_flow import (  # noqa: F401 - fixtures
    PASSWORD,
    add_to_cart,
    fill_address,
    new_page,
    on_sale,
    private_cache,
    standard_delivery,
    warehouse,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def gateway(settings):
    settings.PAYMENTS_AUTO_CAPTURE = False  # staff capture (the default)
    DummyGateway.reset()
    yield
    DummyGateway.reset()


def payments_listed(page) -> list[str]:
    return [
        re.sub(r"^.*?: ", "", text.strip())
        for text in page.locator("section.payments li").all_inner_texts()
    ]


def test_a_declined_card_then_a_good_one_pays_and_staff_refund_part_of_it(
    new_page,  # noqa: F811
    live_server,
    staff,
    on_sale,  # noqa: F811
    standard_delivery,  # noqa: F811
):
    base = live_server.url
    kettle = on_sale(ProductFactory(name="Kettle"), "KET-1", "30.00")

    # A guest places an order.
    shopper = new_page()
    add_to_cart(shopper, base, kettle, 1)
    shopper.get_by_role("link", name="Checkout").click()
    shopper.wait_for_url(f"{base}/checkout/address/")
    shopper.get_by_label("Email").fill("guest@example.com")
    fill_address(shopper)
    shopper.get_by_role("button", name="Continue to delivery").click()
    shopper.wait_for_url(f"{base}/checkout/delivery/")
    shopper.get_by_label("Standard").check()
    shopper.get_by_role("button", name="Continue to review").click()
    shopper.wait_for_url(f"{base}/checkout/review/")
    shopper.get_by_role("button", name="Place order").click()
    shopper.wait_for_url(re.compile(r"/orders/guest/[^/]+/$"))
    order_url = shopper.url
    order = Order.objects.get(email="guest@example.com")
    assert order.total == Decimal("40.60")  # 30.00 + 19% tax + 4.90 delivery
    assert payments_listed(shopper) == []

    # Pay now: the first card is declined, the message on the same page.
    shopper.get_by_role("link", name="Pay now").click()
    shopper.wait_for_url(re.compile(r"/orders/guest/[^/]+/pay/$"))
    assert shopper.locator(".pay-total").inner_text() == "€40.60"
    shopper.get_by_label("A new card").fill("tok_decline")
    shopper.get_by_role("button", name="Pay €40.60").click()
    alert = shopper.locator(".form-errors")
    assert alert.inner_text().startswith("Your card was declined.")
    order.refresh_from_db()
    assert order.status == "pending"

    # Another card pays.
    shopper.get_by_label("A new card").fill("tok_approve")
    shopper.get_by_role("button", name="Pay €40.60").click()
    shopper.wait_for_url(re.compile(r"/orders/guest/[^/]+/$"))  # signed anew
    assert shopper.locator(".messages li.success").inner_text() == (
        f"Thank you! Order {order.number} is paid."
    )
    assert shopper.locator(".badge.status-paid").inner_text() == "Paid"
    assert payments_listed(shopper) == ["Payment authorized €40.60"]
    payment = Payment.objects.get(order=order, status="authorized")

    # Staff open the order, follow its Payments link and capture.
    staff_device(staff)
    office = new_page()
    office.goto(f"{base}/admin/")
    office.get_by_label("Email").fill(staff.email)
    office.get_by_label("Password").fill(PASSWORD)
    office.get_by_role("button", name="Log in").click()
    # The code of the superuser's authenticator app.
    office.wait_for_url(re.compile(r"/admin/second-factor/\?"))
    staff_second_factor(office, staff)
    office.wait_for_url(f"{base}/admin/")
    office.goto(f"{base}/admin/orders/order/{order.pk}/change/")
    office.get_by_role("link", name="Payments of this order").click()
    office.wait_for_url(re.compile(rf"/admin/payments/payment/\?order={order.pk}$"))
    office.get_by_role("link", name=str(payment.pk), exact=True).click()
    # The list's filter rides along in the query string.
    payment_url = re.compile(rf"/admin/payments/payment/{payment.pk}/change/(\?.*)?$")
    office.wait_for_url(payment_url)
    assert office.get_by_role("link", name="Refund", exact=True).count() == 0
    office.get_by_role("link", name="Capture", exact=True).click()
    assert office.get_by_label("Amount").input_value() == "40.60"
    office.get_by_role("button", name="Capture").click()
    office.wait_for_url(payment_url)
    assert office.locator(".messagelist .success").inner_text() == "Capture: done."
    assert office.locator(".field-status .readonly").inner_text() == "Captured"

    # A refund above what was taken is refused next to the amount; a part of it goes.
    office.get_by_role("link", name="Refund", exact=True).click()
    office.get_by_label("Amount").fill("50.00")
    office.get_by_label("Reason").select_option("damaged")
    office.get_by_role("button", name="Refund").click()
    assert office.locator(".errorlist").inner_text() == (
        "At most 40.60 can be refunded on this payment."
    )
    assert not Refund.objects.exists()
    office.get_by_label("Amount").fill("10.00")
    office.get_by_label("Reason").select_option("damaged")
    office.get_by_label("Note").fill("Dented lid")
    office.get_by_role("button", name="Refund").click()
    office.wait_for_url(payment_url)
    assert office.locator(".messagelist .success").inner_text() == "Refund: done."
    assert (
        office.locator(".field-status .readonly").inner_text() == "Partially refunded"
    )
    assert office.locator(".field-refundable .readonly").inner_text() == "30.60"
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.actor_id) == (
        Decimal("10.00"),
        "damaged",
        staff.pk,
    )

    # The guest's order page lists the refund.
    shopper.goto(order_url)
    assert payments_listed(shopper) == [
        "Payment authorized €40.60",
        "Payment taken €40.60",
        "Refunded €10.00",
    ]

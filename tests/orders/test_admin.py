"""The orders back office: buttons that call the services, lists that stay cheap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.inventory.models import Stock
from apps.orders import services
from apps.orders.models import Order, OutboxEvent, ShippingMethod


@pytest.fixture
def order(stocked_variant, checkout, new_key):
    shirt = stocked_variant(price="20.00", units=10)
    return services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 3}), actor=None
    )


def _do(order, action):
    return reverse("admin:orders_order_do", args=[order.pk, action])


def test_the_order_page_offers_only_the_moves_its_status_allows(staff_client, order):
    page = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "order-action-pay" in html and "order-action-cancel" in html
    assert "order-action-ship" not in html and "order-action-deliver" not in html
    assert order.lines.get().sku in html


def test_staff_mark_paid_ship_in_parts_and_deliver(staff_client, order, staff):
    assert staff_client.get(_do(order, "pay")).status_code == 200
    # A reason is required: refused with the message next to the field, nothing changes.
    refused = staff_client.post(_do(order, "pay"), {"reason": ""})
    assert refused.status_code == 400
    order.refresh_from_db()
    assert order.status == "pending"
    staff_client.post(_do(order, "pay"), {"reason": "bank transfer"})
    order.refresh_from_db()
    assert order.status == "paid"
    line = order.lines.get()
    # Shipping more than is left is refused by the form.
    too_many = staff_client.post(
        _do(order, "ship"), {"carrier": "DHL", f"line_{line.pk}": "4"}
    )
    assert too_many.status_code == 400
    staff_client.post(
        _do(order, "ship"),
        {"carrier": "DHL", "tracking_number": "T1", f"line_{line.pk}": "1"},
    )
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    form = staff_client.get(_do(order, "ship"))
    assert "2 of 3 left to ship" in form.content.decode()
    staff_client.post(
        _do(order, "ship"),
        {"carrier": "DHL", "tracking_number": "T2", f"line_{line.pk}": "2"},
    )
    staff_client.post(_do(order, "deliver"))
    order.refresh_from_db()
    assert order.status == "delivered"
    assert Stock.objects.get().on_hand == 7
    history = list(order.status_changes.values_list("to_status", "actor_id"))
    assert history[1:] == [
        ("paid", staff.pk),
        ("partially_fulfilled", staff.pk),
        ("shipped", staff.pk),
        ("delivered", staff.pk),
    ]


def test_a_move_the_status_does_not_allow_is_refused_with_a_message(
    staff_client, order
):
    response = staff_client.post(_do(order, "deliver"), follow=True)
    assert response.status_code == 200
    assert (
        "not possible while the order is pending payment" in response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == "pending"


def test_notes_internal_and_for_the_customer(staff_client, order):
    staff_client.post(_do(order, "note"), {"body": "called the customer"})
    staff_client.post(
        _do(order, "note"), {"body": "your parcel is late", "customer_visible": "on"}
    )
    assert list(order.notes.values_list("body", "customer_visible")) == [
        ("called the customer", False),
        ("your parcel is late", True),
    ]


def test_orders_cannot_be_added_or_deleted_in_the_admin(staff_client, order):
    assert staff_client.get(reverse("admin:orders_order_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def test_search_by_number_or_email_and_filter_by_status(
    staff_client, order, django_assert_max_num_queries
):
    url = reverse("admin:orders_order_changelist")
    for query in (order.number, order.number.removeprefix("SO-"), "ADA@example.com"):
        page = staff_client.get(url, {"q": query})
        assert order.number in page.content.decode(), query
    page = staff_client.get(url, {"q": "nobody@example.com"})
    assert order.number not in page.content.decode()
    page = staff_client.get(url, {"status": "paid"})
    assert order.number not in page.content.decode()
    page = staff_client.get(url, {"status": "pending"})
    assert order.number in page.content.decode()


def test_the_order_list_queries_do_not_grow_with_orders(
    staff_client, stocked_variant, checkout, new_key, django_assert_num_queries
):
    shirt = stocked_variant(units=100)
    url = reverse("admin:orders_order_changelist")

    def place(n):
        for i in range(n):
            services.order_place(
                idempotency_key=new_key(),
                request=checkout({shirt: 1}, email=f"c{i}@example.com"),
                actor=None,
            )

    place(1)
    staff_client.get(url)  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    place(9)
    with CaptureQueriesContext(connection) as ten:
        staff_client.get(url)
    assert len(ten) == len(one)
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in ten)


def test_dead_outbox_events_can_be_retried(staff_client, order):
    event = OutboxEvent.objects.get()
    OutboxEvent.objects.filter(pk=event.pk).update(status="dead", attempts=8)
    response = staff_client.post(
        reverse("admin:orders_outboxevent_changelist"),
        {"action": "retry", "_selected_action": [event.pk]},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 0)


def test_a_used_delivery_method_cannot_be_deleted(staff_client, order):
    method = ShippingMethod.objects.get()
    response = staff_client.post(
        reverse("admin:orders_shippingmethod_delete", args=[method.pk]),
        {"post": "yes"},
        follow=True,
    )
    # The admin names the orders that protect it and deletes nothing.
    assert "Cannot delete shipping method" in response.content.decode()
    assert ShippingMethod.objects.filter(pk=method.pk).exists()
    unused = ShippingMethod.objects.create(name="Courier", price=Decimal("9.00"))
    staff_client.post(
        reverse("admin:orders_shippingmethod_delete", args=[unused.pk]), {"post": "yes"}
    )
    assert not ShippingMethod.objects.filter(pk=unused.pk).exists()


def test_one_customers_orders(
    staff_client, stocked_variant, checkout, new_key, customer
):
    shirt = stocked_variant(units=10)
    mine = services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 1}), actor=customer
    )
    guest = services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 1}), actor=None
    )
    page = staff_client.get(reverse("admin:orders_order_change", args=[mine.pk]))
    assert f"?customer={customer.pk}" in page.content.decode()
    listing = staff_client.get(
        reverse("admin:orders_order_changelist"), {"customer": customer.pk}
    ).content.decode()
    assert mine.number in listing and guest.number not in listing
    assert customer.email in listing
    bad = staff_client.get(reverse("admin:orders_order_changelist"), {"customer": "x"})
    assert bad.status_code == 200
    # a NUL is refused before the list is drawn (docs/security.md, "Bad input")
    nul = staff_client.get(
        reverse("admin:orders_order_changelist"), {"customer": "x\x00"}
    )
    assert nul.status_code == 400


def test_the_sales_dashboard_shows_the_rollup_and_what_needs_attention(
    staff_client, stocked_variant, checkout, new_key, staff
):
    shirt = stocked_variant(price="20.00", units=20)
    paid = services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 2}), actor=None
    )
    services.order_mark_paid(order=paid, actor=staff, reason="paid")
    services.order_place(  # pending: not a sale yet
        idempotency_key=new_key(), request=checkout({shirt: 1}), actor=None
    )
    OutboxEvent.objects.filter(pk=OutboxEvent.objects.first().pk).update(status="dead")
    assert services.sales_rollup(days=2) == 2
    page = staff_client.get(reverse("admin:orders_dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    # Today: one order, 2 units, 40.00 + 7.60 tax + 4.90 delivery.
    assert "<td>1</td><td>€52.50</td><td>2</td><td>€52.50</td>" in html.replace(
        "\n", ""
    )
    assert "1 order waiting for payment" in html
    assert "1 dead outbox event" in html
    assert 'class="bar"' in html
    assert (
        reverse("admin:orders_dashboard")
        in staff_client.get(reverse("admin:index")).content.decode()
    )

"""A customer's orders in their data export, and pseudonymised when the account is erased."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from apps.accounts import gdpr
from apps.orders import services
from apps.orders.models import Order, OutboxEvent


def _count(sql: str, terms: list[str]) -> int:
    with connection.cursor() as cursor:
        total = 0
        for term in terms:
            cursor.execute(sql, [f"%{term.lower()}%"])
            total += cursor.fetchone()[0]
        return total


def test_orders_are_exported_and_pseudonymised_at_erasure(
    customer, stocked_variant, checkout, new_key
):
    # given an order with the customer's email and address (London, N1 1AA)
    order = services.order_place(
        idempotency_key=new_key(),
        request=checkout({stocked_variant(price="30.00"): 1}),
        actor=customer,
    )
    exported = gdpr.account_export(user=customer)
    assert exported["orders"][0]["number"] == order.number
    assert exported["orders"][0]["shipping_address"]["city"] == "London"
    terms = [customer.email, "Ada Lovelace", "Analytical Row", "London", "N1 1AA"]
    assert _count(
        "SELECT count(*) FROM auditing_auditevent_all WHERE table_name = 'orders_order'"
        " AND lower(changes::text) LIKE %s",
        terms,
    )
    # when the account is erased
    gdpr.account_erase(user=customer)
    # then the order stays, with its money, and without the person
    order.refresh_from_db()
    assert order.total == Decimal("40.60")
    assert order.email == f"erased-{customer.pk}@erased.invalid"
    assert order.shipping_address == {
        "full_name": "[erased]",
        "line1": "[erased]",
        "city": "[erased]",
        "country": "GB",
    }
    assert Order.objects.filter(pk=order.pk, customer=customer).exists()
    assert (
        _count(
            "SELECT count(*) FROM orders_order WHERE lower(concat_ws(' ', email,"
            " shipping_address::text, billing_address::text)) LIKE %s",
            terms,
        )
        == 0
    )
    assert (
        _count(
            "SELECT count(*) FROM auditing_auditevent_all WHERE table_name = 'orders_order'"
            " AND lower(concat_ws(' ', changes::text, context::text)) LIKE %s",
            terms,
        )
        == 0
    )
    # The outbox never carried the email or the address.
    assert not any(
        term.lower() in str(event.payload).lower()
        for event in OutboxEvent.objects.all()
        for term in terms
    )

"""`manage.py seed_demo --orders N` places a history of orders in every state."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.inventory import selectors as inventory
from apps.orders.models import Order, SalesDay
from apps.payments.models import Dispute, Payment, Refund


@pytest.mark.django_db
def test_seed_demo_places_orders_in_many_states_and_rolls_up_sales():
    out = StringIO()
    call_command("seed_demo", products=20, orders=40, stdout=out)
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"delivered", "shipped", "paid", "cancelled"} <= statuses
    # 40 over 60 days (a few refused by a rule), and a dozen paid by card today
    assert 40 <= Order.objects.count() <= 52
    assert "\norders     [" in out.getvalue() and "\r" not in out.getvalue()
    assert SalesDay.objects.filter(orders__gt=0).exists()
    # Card payments: captured, partly refunded, one dispute lost, one left authorized.
    assert Payment.objects.filter(captured__gt=0).count() >= 8
    assert Refund.objects.count() == 2
    assert Dispute.objects.filter(status="lost").count() == 1
    assert Payment.objects.filter(status="authorized").exists()
    # Shipping went through the ledger; reservations and stock still add up.
    assert inventory.ledger_mismatches() == []
    assert inventory.reserved_mismatches() == []
    # Idempotent: a second run tops up to the same number, so it creates nothing.
    before = Order.objects.count()
    call_command("seed_demo", products=20, orders=before, stdout=StringIO())
    assert Order.objects.count() == before

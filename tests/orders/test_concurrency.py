"""Concurrent checkouts against the real database: real threads, each with its own connection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.inventory.models import Reservation, Stock
from apps.orders import errors, services
from apps.orders.models import IdempotencyKey, Order, OrderLine, OutboxEvent


def _together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; their results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_submissions_with_one_key_place_exactly_one_order(
    stocked_variant, checkout, new_key
):
    shirt = stocked_variant(units=10)
    socks = stocked_variant(price="5.00", units=10)
    key, request = new_key(), checkout({shirt: 1, socks: 2})
    results = _together(
        20,
        lambda i: (
            services.order_place(idempotency_key=key, request=request, actor=None).pk
        ),
    )
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2
    assert Reservation.objects.filter(owner_type="order").count() == 2
    assert OutboxEvent.objects.filter(topic="order.placed").count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert sorted(Stock.objects.values_list("reserved", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_cannot_make_a_sixth_pending_order(
    stocked_variant, checkout, new_key
):
    shirt = stocked_variant(units=50)
    results = _together(
        6,
        lambda i: services.order_place(
            idempotency_key=new_key(), request=checkout({shirt: 1}), actor=None
        ),
    )
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, errors.TooManyPendingOrders)]
    assert (len(placed), len(refused)) == (5, 1), results
    assert Order.objects.filter(status="pending").count() == 5
    assert Stock.objects.get().reserved == 5


@pytest.mark.django_db(transaction=True)
def test_eight_buyers_of_the_last_three_units_never_oversell(
    stocked_variant, checkout, new_key
):
    scarce = stocked_variant(units=3)
    results = _together(
        8,
        lambda i: services.order_place(
            idempotency_key=new_key(),
            request=checkout({scarce: 1}, email=f"buyer{i}@example.com"),
            actor=None,
        ),
    )
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, errors.LinesUnavailable)]
    assert (len(placed), len(refused)) == (3, 5), results
    stock = Stock.objects.get()
    assert (stock.on_hand, stock.reserved) == (3, 3)
    assert OrderLine.objects.count() == 3

"""Real threads on the real database: no oversell, no deadlock, stock and ledger agree."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from apps.inventory import selectors, services
from apps.inventory.errors import OutOfStock
from apps.inventory.models import Reservation, Stock, StockMovement
from apps.inventory.services import Line

pytestmark = pytest.mark.django_db(transaction=True)


def _run_all(calls, workers=8):
    start = threading.Barrier(workers)

    def wrapped(call):
        try:
            try:
                start.wait(2)
            except threading.BrokenBarrierError:
                pass
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(wrapped, calls))


def test_200_buyers_race_for_20_units_exactly_20_succeed(make_variant, warehouses):
    variant = make_variant()
    stock = services.stock_for(variant_id=variant.pk, warehouse=warehouses[0])
    services.stock_receive(stock=stock, quantity=20)

    def buyer(n):
        def buy():
            try:
                services.stock_reserve(
                    lines=[Line(variant.pk, 1)],
                    owner_type="order",
                    owner_id=f"buyer-{n}",
                )
                return "ok"
            except OutOfStock as exc:
                return exc.code

        return buy

    outcomes = _run_all([buyer(n) for n in range(200)])
    assert outcomes.count("ok") == 20
    assert outcomes.count("out_of_stock") == 180
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (20, 20)
    assert Reservation.objects.filter(status="active").count() == 20
    assert selectors.ledger_mismatches() == [] and selectors.reserved_mismatches() == []


def test_multi_line_orders_in_opposite_orders_do_not_deadlock(make_variant, warehouses):
    a, b = make_variant("A"), make_variant("B")
    for variant in (a, b):
        services.stock_receive(
            stock=services.stock_for(variant_id=variant.pk, warehouse=warehouses[0]),
            quantity=40,
        )

    def order(n):
        lines = (
            [Line(a.pk, 1), Line(b.pk, 1)] if n % 2 else [Line(b.pk, 1), Line(a.pk, 1)]
        )
        return lambda: len(
            services.stock_reserve(lines=lines, owner_type="order", owner_id=str(n))
        )

    assert _run_all([order(n) for n in range(40)]) == [2] * 40
    assert set(Stock.objects.values_list("reserved", flat=True)) == {40}


def test_expiry_on_two_workers_at_once_expires_each_row_once(make_variant, warehouses):
    variant = make_variant()
    stock = services.stock_for(variant_id=variant.pk, warehouse=warehouses[0])
    services.stock_receive(stock=stock, quantity=100)
    for n in range(60):
        services.stock_reserve(
            lines=[Line(variant.pk, 1)], owner_type="order", owner_id=str(n)
        )
    Reservation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    def worker():
        total = 0
        while expired := services.reservations_expire(batch_size=7):
            total += expired
        return total

    assert sum(_run_all([worker, worker], workers=2)) == 60
    stock.refresh_from_db()
    assert stock.reserved == 0 and selectors.reserved_mismatches() == []
    assert StockMovement.objects.count() == 1  # expiry moves no goods


def test_commits_and_sales_race_without_losing_units(make_variant, warehouses):
    variant = make_variant()
    stock = services.stock_for(variant_id=variant.pk, warehouse=warehouses[0])
    services.stock_receive(stock=stock, quantity=30)
    reservations = [
        services.stock_reserve(lines=[Line(variant.pk, 1)], owner_type="order")[0]
        for _ in range(30)
    ]
    calls = [
        lambda r=r: len(services.reservation_commit(reservation_ids=[r.pk]))
        for r in reservations
    ]
    assert _run_all(calls) == [1] * 30
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (0, 0)
    assert selectors.ledger_mismatches() == []

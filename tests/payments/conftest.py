"""Payments fixtures: the orders' shop fixtures, a fresh dummy gateway, a placed order."""

from __future__ import annotations

import uuid

import pytest

from apps.orders import services as orders
from apps.payments.gateway import DummyGateway
from tests.orders.conftest import (  # noqa: F401 - fixtures
    checkout,
    new_key,
    private_cache,
    shipping_method,
    stocked_variant,
    warehouse,
)


@pytest.fixture(autouse=True)
def gateway():
    DummyGateway.reset()
    yield DummyGateway
    DummyGateway.reset()


@pytest.fixture
def place(stocked_variant, checkout):  # noqa: F811
    """place(units=2, stock=10, price): a pending order of one variant (total 2×price+4.90)."""

    def make(*, units=2, stock=10, price="20.00", email="ada@example.com"):
        variant = stocked_variant(price=price, units=stock)
        return orders.order_place(
            idempotency_key=uuid.uuid4().hex,
            request=checkout({variant: units}, email=email),
            actor=None,
        )

    return make


@pytest.fixture
def order(place):
    return place()


def key() -> str:
    return uuid.uuid4().hex


def overdue(order) -> None:
    """The order's payment window closes (it closed a moment after placing)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET expires_at = placed_at + interval '1 microsecond'"
            " WHERE id = %s",
            [order.pk],
        )
    order.refresh_from_db()

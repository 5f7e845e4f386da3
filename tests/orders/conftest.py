"""Orders fixtures: a stocked catalog, a delivery method, and a checkout request builder."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest

from apps.inventory import services as inventory
from apps.inventory.models import Warehouse
from apps.orders.models import ShippingMethod
from apps.orders.services import CheckoutRequest
from tests.catalog.factories import ProductVariantFactory

ADDRESS = {
    "full_name": "Ada Lovelace",
    "company": "",
    "line1": "1 Analytical Row",
    "line2": "",
    "city": "London",
    "postal_code": "N1 1AA",
    "region": "",
    "country": "GB",
    "phone": "",
}


@pytest.fixture
def shipping_method(db):
    return ShippingMethod.objects.create(
        name="Standard", price=Decimal("4.90"), free_above=Decimal("100.00")
    )


@pytest.fixture
def warehouse(db):
    return Warehouse.objects.create(code="main", name="Main", priority=1)


@pytest.fixture
def stocked_variant(warehouse):
    """make(price, units): an active, priced variant with `units` in stock."""

    def make(price="20.00", units=10, **kwargs):
        variant = ProductVariantFactory(price=Decimal(price), **kwargs)
        if units:
            stock = inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)
            inventory.stock_receive(stock=stock, quantity=units)
        return variant

    return make


_keys = itertools.count()


@pytest.fixture
def checkout(shipping_method):
    """checkout(items, email=...): a CheckoutRequest for those {variant: quantity}."""

    def make(items, email="ada@example.com", method=None):
        return CheckoutRequest(
            items={variant.pk: quantity for variant, quantity in items.items()},
            email=email,
            shipping_address=dict(ADDRESS),
            billing_address=dict(ADDRESS),
            shipping_method_id=(method or shipping_method).pk,
        )

    return make


@pytest.fixture
def new_key():
    return lambda: uuid.uuid4().hex

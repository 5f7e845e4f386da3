"""Orders fixtures: a cache prefix of each test's own (so carts start empty and other runs'
keys are never touched), variants on sale with stock, a cart key, Redis pointed at a port
where nothing listens, a delivery method and a checkout request builder."""

from __future__ import annotations

import copy
import socket
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from apps.inventory import services as inventory
from apps.inventory.models import Warehouse
from apps.orders import cart
from apps.orders.models import ShippingMethod
from apps.orders.services import CheckoutRequest
from tests.catalog.factories import ProductVariantFactory


@pytest.fixture(autouse=True)
def private_cache(settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = (
        f"{caches['default']['KEY_PREFIX']}-cart-{uuid.uuid4().hex[:12]}"
    )
    settings.CACHES = caches
    yield
    cache.delete_pattern("*")


@pytest.fixture
def redis_conn():
    return get_redis_connection("default")


@pytest.fixture
def key() -> str:
    return cart.guest_cart_key(uuid.uuid4().hex)


@pytest.fixture
def warehouse(db):
    return Warehouse.objects.create(code="main", name="Main", priority=1)


@pytest.fixture
def make_variant(warehouse):
    """A variant on sale at `price` with `units` in stock (no stock row when 0)."""

    def make(*, price="10.00", units=20, **fields):
        variant = ProductVariantFactory(price=Decimal(price), **fields)
        if units:
            stock = inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)
            inventory.stock_receive(stock=stock, quantity=units)
        variant.refresh_from_db()
        return variant

    return make


@pytest.fixture
def redis_down(settings):
    """The cache (and so the cart) points at a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    working = settings.CACHES
    caches = copy.deepcopy(working)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
    caches["default"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] = 0.5
    settings.CACHES = caches
    yield port
    settings.CACHES = working  # back up, so the test's keys are cleaned up


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
def stocked_variant(warehouse):
    """make(price, units): an active, priced variant with `units` in stock."""

    def make(price="20.00", units=10, **kwargs):
        variant = ProductVariantFactory(price=Decimal(price), **kwargs)
        if units:
            stock = inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)
            inventory.stock_receive(stock=stock, quantity=units)
        return variant

    return make


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

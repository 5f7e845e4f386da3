"""Cart fixtures: a cache prefix of each test's own (so carts start empty and other runs'
keys are never touched), variants on sale with stock, a cart key, Redis pointed at a port
where nothing listens."""

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

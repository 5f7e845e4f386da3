"""A shopper adds a product to the cart from its page (twice: the second page comes from the
cache), changes the quantity and removes the line."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest

from apps.inventory import services as inventory
from apps.inventory.models import Warehouse
from tests.catalog.factories import ProductFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_cache(settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"shop-test-e2e-cart-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")


def test_add_change_and_remove_a_cart_line(live_server, page, browser):
    variant = ProductVariantFactory(
        product=ProductFactory(name="Teapot"), price=Decimal("12.00")
    )
    warehouse = Warehouse.objects.create(code="main", name="Main", priority=1)
    stock = inventory.stock_for(variant_id=variant.pk, warehouse=warehouse)
    inventory.stock_receive(stock=stock, quantity=10)
    url = f"{live_server.url}/p/{variant.product.slug}/"
    # another visitor first: the shopper then gets the page from the cache
    other = browser.new_context()
    other.new_page().goto(url)
    other.close()

    page.goto(url)
    page.fill(f"#quantity-{variant.pk}", "2")
    page.click("text=Add to cart")

    assert page.url == f"{live_server.url}/cart/"
    assert page.inner_text(".cart-link") == "Cart (2)"
    assert page.inner_text('[data-total="subtotal"]') == "€24.00"
    page.fill(f"#qty-{variant.pk}", "3")
    page.click("text=Update")
    assert page.inner_text(".cart-link") == "Cart (3)"
    assert page.inner_text('[data-total="total"]') == "€42.84"  # 36.00 + 19% tax
    page.click('button:has-text("Remove")')
    assert "Your cart is empty." in page.inner_text("main")
    assert page.inner_text(".cart-link") == "Cart (0)"

"""A shopper searches with a typo, opens the product and picks a variant to see its price."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest

from tests.catalog.factories import (
    CategoryFactory,
    OptionValueFactory,
    ProductFactory,
    ProductImageFactory,
    ProductOptionFactory,
    ProductTypeFactory,
    ProductVariantFactory,
    PromotionFactory,
    TierPriceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A key prefix of this test's own, removed afterwards."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"shop-test-e2e-catalog-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def oxford():
    shirts = CategoryFactory(name="Shirts")
    apparel = ProductTypeFactory(name="Shirts")
    size = ProductOptionFactory(product_type=apparel, name="Size")
    small = OptionValueFactory(option=size, value="S", position=0)
    large = OptionValueFactory(option=size, value="L", position=1)
    product = ProductFactory(
        name="Oxford Shirt",
        product_type=apparel,
        category=shirts,
        brand="Acme",
        description="A crisp button-down.",
    )
    ProductVariantFactory(
        product=product, sku="OX-S", price=Decimal("29.90"), option_values=[small]
    )
    big = ProductVariantFactory(
        product=product, sku="OX-L", price=Decimal("34.90"), option_values=[large]
    )
    PromotionFactory(variant=big, amount=Decimal("31.00"), label="Spring sale")
    TierPriceFactory(variant=big, min_quantity=10, amount=Decimal("28.00"))
    ProductImageFactory(product=product, alt_text="Oxford shirt, front")
    ProductFactory(name="Garden Hose", category=CategoryFactory(name="Garden"))
    return product, big


def test_search_with_a_typo_then_pick_a_variant(page, live_server, oxford):
    product, large = oxford

    # Search from the header, misspelling the name.
    page.goto(f"{live_server.url}/")
    page.get_by_label("Search products").fill("oxfrod")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"{live_server.url}/search/?q=oxfrod")
    assert page.get_by_role("heading", level=1).inner_text() == "Results for “oxfrod”"
    results = page.locator(".product-card")
    assert results.count() == 1
    assert "€29.90" in results.inner_text()

    # Open the product: the first variant is shown.
    page.get_by_role("link", name="Oxford Shirt").click()
    page.wait_for_url(f"{live_server.url}/p/oxford-shirt/")
    price = page.locator('[data-slot="price"]')
    assert price.inner_text() == "€29.90"
    assert page.locator('[data-slot="base-price"]').is_hidden()
    assert page.get_by_role("button", name="Show").is_hidden()  # JS took over the form

    # Pick size L: its promotional price, the struck-through base price, its tier, its SKU.
    page.get_by_label("Size").select_option(label="L — €31.00")
    assert price.inner_text() == "€31.00"
    assert page.locator('[data-slot="base-price"]').inner_text() == "€34.90"
    assert page.locator('[data-slot="promotion"]').inner_text() == "Spring sale"
    assert page.locator('[data-slot="tiers"]').inner_text() == "10+ at €28.00"
    assert page.locator('[data-slot="sku"]').inner_text() == "OX-L"
    assert page.url == f"{live_server.url}/p/oxford-shirt/?variant={large.pk}"

    # A reload keeps the choice: the server renders the variant from the address.
    page.reload()
    assert page.locator('[data-slot="price"]').inner_text() == "€31.00"
    assert page.get_by_label("Size").input_value() == str(large.pk)


def test_variant_picker_works_without_javascript(browser, live_server, oxford):
    product, large = oxford
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/p/oxford-shirt/")
        page.get_by_label("Size").select_option(label="L — €31.00")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(f"{live_server.url}/p/oxford-shirt/?variant={large.pk}")
        assert page.locator('[data-slot="price"]').inner_text() == "€31.00"
        assert page.locator('[data-slot="sku"]').inner_text() == "OX-L"
    finally:
        context.close()

"""Storefront test data (a category tree, a wardrobe to search, a product with everything) and
a private cache prefix and media root per test."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest

from apps.catalog.models import Review
from tests.catalog.factories import (
    CategoryFactory,
    OptionValueFactory,
    ProductFactory,
    ProductImageFactory,
    ProductOptionFactory,
    ProductTypeFactory,
    ProductVariantFactory,
    PromotionFactory,
    ReviewFactory,
    TierPriceFactory,
)

from .helpers import make_product


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A key prefix of this test's own: the cache starts empty and other runs are untouched."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"shop-test-storefront-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def tree():
    clothing = CategoryFactory(name="Clothing")
    shirts = CategoryFactory(name="Shirts", parent=clothing)
    formal = CategoryFactory(name="Formal", parent=shirts)
    garden = CategoryFactory(name="Garden")
    return clothing, shirts, formal, garden


@pytest.fixture
def many_products(tree):
    """30 products across a subtree, with two priced variants, an image, promotions, tiers."""
    clothing, shirts, formal, _ = tree
    size = ProductOptionFactory(name="Size")
    small = OptionValueFactory(option=size, value="S")
    large = OptionValueFactory(option=size, value="L")
    for n in range(30):
        product = ProductFactory(
            name=f"Shirt {n:02d}",
            product_type=size.product_type,
            category=(clothing, shirts, formal)[n % 3],
            in_stock=True,
        )
        s = ProductVariantFactory(
            product=product, price=Decimal("20.00") + n, option_values=[small]
        )
        ProductVariantFactory(
            product=product, price=Decimal("25.00") + n, option_values=[large]
        )
        ProductImageFactory(product=product)
        if n % 2:
            PromotionFactory(variant=s, amount=Decimal("15.00"))
        if n % 5 == 0:
            TierPriceFactory(variant=s, min_quantity=10, amount=Decimal("12.00"))
    return small, large


@pytest.fixture
def wardrobe(tree):
    clothing, shirts, formal, garden = tree
    return {
        "oxford": make_product(
            "Oxford Shirt",
            category=formal,
            brand="Acme",
            tags=["cotton", "formal"],
            description="A crisp button-down for the office.",
            prices=("29.90",),
        ),
        "trousers": make_product(
            "Linen Trousers",
            category=clothing,
            brand="Northwind",
            tags=["summer"],
            description="Light trousers to wear with any shirt.",
            prices=("49.90",),
        ),
        "scarf": make_product(
            "Blue Scarf", category=clothing, brand="Acme", prices=("15.00",)
        ),
        "hose": make_product("Garden Hose", category=garden, prices=("35.00",)),
    }


@pytest.fixture
def oxford(tree):
    formal = tree[2]
    apparel = ProductTypeFactory(name="Shirts")
    size = ProductOptionFactory(product_type=apparel, name="Size")
    small = OptionValueFactory(option=size, value="S")
    large = OptionValueFactory(option=size, value="L")
    product = ProductFactory(
        name="Oxford Shirt",
        product_type=apparel,
        category=formal,
        brand="Acme",
        description="A crisp button-down.",
        attributes={"Material": "Cotton", "Iron free": True},
        seo_description="The best oxford shirt.",
    )
    s = ProductVariantFactory(
        product=product, sku="OX-S", price=Decimal("29.90"), option_values=[small]
    )
    big = ProductVariantFactory(
        product=product,
        sku="OX-L",
        price=Decimal("34.90"),
        option_values=[large],
        in_stock=True,
    )
    PromotionFactory(variant=big, amount=Decimal("31.00"), label="Spring sale")
    TierPriceFactory(variant=s, min_quantity=10, amount=Decimal("25.00"))
    ProductImageFactory(product=product, alt_text="Front view")
    ProductImageFactory(product=product, alt_text="Back view", primary=True)
    verified = ReviewFactory(
        product=product, rating=5, title="Great", verified_purchase=True
    )
    ReviewFactory(product=product, rating=3, title="Fine")
    ReviewFactory(product=product, rating=1, title="Spam", status=Review.Status.PENDING)
    return product, s, big, verified

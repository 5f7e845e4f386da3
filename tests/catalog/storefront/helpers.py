"""Products and searches the storefront tests share."""

from __future__ import annotations

from decimal import Decimal

from apps.catalog import selectors
from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ProductVariantFactory,
)


def make_product(name, *, prices=("19.90",), category=None, image=True, **fields):
    product = ProductFactory(
        name=name, category=category or CategoryFactory(), **fields
    )
    for price in prices:
        ProductVariantFactory(product=product, price=Decimal(price))
    if image:
        ProductImageFactory(product=product)
    product.refresh_from_db()
    return product


def names(page) -> list[str]:
    return [p.name for p in page.products]


def search(query="", **kwargs) -> list[str]:
    return names(selectors.product_search(query=query, **kwargs))

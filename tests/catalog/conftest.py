"""Fixtures shared by the catalog tests (the admin and storefront packages have their own)."""

from decimal import Decimal

import pytest

from apps.catalog import services
from apps.catalog.models import ProductType


@pytest.fixture
def shirt(db):
    root = services.category_create(name="Clothing")
    category = services.category_create(name="Shirts", parent=root)
    product_type = ProductType.objects.create(name="Shirt")
    product = services.product_create(
        product_type=product_type, category=category, name="Blue Shirt", status="active"
    )
    variant = services.variant_create(
        product=product, sku="BS-M", name="M", price=Decimal("20.00")
    )
    return product, variant

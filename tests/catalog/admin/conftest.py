"""A small catalog for the admin tests: a shirt type, a category tree, one shirt."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog import services
from apps.catalog.models import (
    ProductType,
)

from .helpers import (
    make_product,
)


@pytest.fixture
def shirt_type():
    return ProductType.objects.create(name="Shirt")


@pytest.fixture
def tree():
    """clothing / shirts / polos, and shoes at the top level."""
    clothing = services.category_create(name="Clothing")
    shirts = services.category_create(name="Shirts", parent=clothing)
    polos = services.category_create(name="Polos", parent=shirts)
    shoes = services.category_create(name="Shoes")
    return {"clothing": clothing, "shirts": shirts, "polos": polos, "shoes": shoes}


@pytest.fixture
def shirt(tree, shirt_type):
    return make_product(
        "Blue Shirt",
        tree["shirts"],
        shirt_type,
        ("BS-M", Decimal("20.00")),
        ("BS-L", Decimal("22.00")),
        brand="Acme",
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

from decimal import Decimal

import pytest

from apps.catalog import services as catalog
from apps.catalog.models import ProductType
from apps.inventory import services
from apps.inventory.models import Warehouse


@pytest.fixture
def make_variant(db):
    counter = {"n": 0}

    def make(name="Widget", price="10.00"):
        counter["n"] += 1
        root = catalog.category_create(name=f"Inv {counter['n']}")
        product_type, _ = ProductType.objects.get_or_create(name="Stocked")
        product = catalog.product_create(
            product_type=product_type, category=root, name=name, status="active"
        )
        return catalog.variant_create(
            product=product, sku=f"INV-{counter['n']}", price=Decimal(price)
        )

    return make


@pytest.fixture
def warehouses(db):
    return (
        Warehouse.objects.create(code="main", name="Main", priority=1),
        Warehouse.objects.create(code="spare", name="Spare", priority=2),
    )


@pytest.fixture
def stocked(make_variant, warehouses):
    """A variant with 10 units in the main warehouse and 5 in the spare one."""
    variant = make_variant()
    main = services.stock_for(variant_id=variant.pk, warehouse=warehouses[0])
    spare = services.stock_for(variant_id=variant.pk, warehouse=warehouses[1])
    services.stock_receive(stock=main, quantity=10)
    services.stock_receive(stock=spare, quantity=5)
    main.refresh_from_db(), spare.refresh_from_db()
    return variant, main, spare

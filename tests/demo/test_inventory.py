"""`manage.py seed_demo` stocks the demo catalog in two warehouses through the ledger."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.catalog.models import Product
from apps.inventory import selectors as inventory
from apps.inventory.models import Stock, Warehouse


@pytest.mark.django_db
def test_seed_demo_stocks_the_catalog_and_the_ledger_adds_up():
    call_command("seed_demo", products=12, orders=0, stdout=StringIO())
    assert set(Warehouse.objects.values_list("code", flat=True)) == {"ber", "ham"}
    assert Stock.objects.exists()
    assert inventory.ledger_mismatches() == []
    in_stock = Product.objects.filter(in_stock=True).count()
    assert 0 < in_stock <= Product.objects.count()
    stocked = set(Stock.objects.values_list("variant_id", flat=True))
    call_command("seed_demo", products=12, orders=0, stdout=StringIO())
    assert set(Stock.objects.values_list("variant_id", flat=True)) == stocked


@pytest.mark.django_db
def test_seed_demo_without_products_creates_no_stock():
    call_command("seed_demo", products=0, stdout=StringIO())
    assert not Warehouse.objects.exists() and not Stock.objects.exists()

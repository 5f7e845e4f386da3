"""Catalog admin, CSV: export, round trip, updates, errors listed with nothing changed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.auditing.roles import as_owner
from apps.catalog import csv_io, services
from apps.catalog.models import (
    Category,
    Price,
    Product,
    ProductSlug,
    ProductVariant,
)

from .helpers import (
    PRODUCTS_URL,
    counts,
    make_product,
)

pytestmark = pytest.mark.django_db


def _export(client, action, ids):
    response = client.post(PRODUCTS_URL, {"action": action, "_selected_action": ids})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode()


def _import(client, content: bytes | str, kind="products"):
    if isinstance(content, str):
        content = content.encode()
    upload = SimpleUploadedFile("catalog.csv", content, content_type="text/csv")
    return client.post(
        PRODUCTS_URL + "import/", {"kind": kind, "file": upload}, follow=True
    )


def _catalog_snapshot():
    paths = csv_io.category_slug_paths(Category.objects.all())
    return {
        "products": sorted(
            (p.name, paths[p.category_id], p.product_type.name, p.brand, p.status)
            for p in Product.objects.select_related("product_type")
        ),
        "variants": sorted(
            (v.sku, v.name, v.product.name)
            for v in ProductVariant.objects.select_related("product")
        ),
        "prices": sorted(
            (p.variant.sku, p.currency, p.amount)
            for p in Price.objects.select_related("variant")
        ),
    }


def test_csv_export_has_one_row_per_variant(
    admin_client_staff, shirt, tree, shirt_type
):
    bare = make_product("=Bare", tree["clothing"], shirt_type, status="active")
    text = _export(admin_client_staff, "export_products", [shirt.pk, bare.pk])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        csv_io.PRODUCT_COLUMNS,
        [
            "blue-shirt",
            "Blue Shirt",
            "clothing/shirts",
            "Shirt",
            "Acme",
            "draft",
            "BS-M",
            "BS-M",
            "EUR",
            "20.00",
        ],
        [
            "blue-shirt",
            "Blue Shirt",
            "clothing/shirts",
            "Shirt",
            "Acme",
            "draft",
            "BS-L",
            "BS-L",
            "EUR",
            "22.00",
        ],
        ["bare", "'=Bare", "clothing", "Shirt", "", "active", "", "", "", ""],
    ]


@pytest.mark.django_db(transaction=True)
def test_csv_round_trip_into_an_empty_catalog(
    admin_client_staff, tree, shirt_type, shirt, staff
):
    # given: a catalog with two products, one without variants, prices in two currencies
    make_product(
        "Red Shirt",
        tree["polos"],
        shirt_type,
        ("RS-1", Decimal("9.50")),
        brand="Acme, Inc.",
        status="archived",
    )
    make_product("Plain", tree["shoes"], shirt_type, status="active")
    services.price_set(
        variant=ProductVariant.objects.get(sku="BS-M"),
        amount=Decimal("25.00"),
        currency="USD",
    )
    ids = list(Product.objects.values_list("pk", flat=True))
    products_csv = _export(admin_client_staff, "export_products", ids)
    prices_csv = _export(admin_client_staff, "export_prices", ids)
    expected = _catalog_snapshot()
    # when: the catalog is emptied (products only; the tree and types stay) and re-imported
    # (emptying it for real is the owner's: the application only soft-deletes)
    with as_owner():
        ProductVariant.all_objects.all().hard_delete()
        ProductSlug.objects.all().delete()
        Product.all_objects.all().hard_delete()
    response = _import(admin_client_staff, products_csv)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Import done — products created: 3, variants created: 3."]
    response = _import(admin_client_staff, prices_csv, kind="prices")
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — prices set: 1."
    ]
    # then
    assert _catalog_snapshot() == expected
    assert Product.objects.get(name="Blue Shirt").min_price == Decimal("20.00")
    # every imported row has its first history entry, by the staff member who imported it
    for model in (Product, ProductVariant):
        for row in model.objects.all():
            first = row.history.earliest()
            assert (first.history_type, first.history_user_id) == ("+", staff.pk)
    # and importing the same files again changes nothing
    response = _import(admin_client_staff, products_csv)
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — nothing to change."
    ]


def test_csv_import_updates_products_and_prices_by_slug_and_sku(
    admin_client_staff, shirt
):
    text = (
        "product_slug,product_name,category_path,product_type,brand,status,sku,variant_name,currency,price\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,active,BS-M,Medium,EUR,21.00\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,active,BS-XL,XL,EUR,24.00\n"
    )
    response = _import(admin_client_staff, text)
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — products updated: 1, variants updated: 1, prices set: 1, variants created: 1."
    ]
    shirt.refresh_from_db()
    assert (shirt.status, shirt.variants.count()) == ("active", 3)
    assert Price.objects.get(variant__sku="BS-M").amount == Decimal("21.00")
    assert ProductVariant.objects.get(sku="BS-M").name == "Medium"


@pytest.fixture
def other_product(tree, shirt_type):
    return make_product(
        "Other", tree["shoes"], shirt_type, ("OTHER-1", Decimal("5.00"))
    )


def test_csv_import_of_a_bad_file_lists_every_error_and_changes_nothing(
    admin_client_staff, shirt, other_product, audit_trail
):
    before = counts()
    text = (
        "product_slug,product_name,category_path,product_type,brand,status,sku,variant_name,currency,price\n"
        "new-one,New One,clothing/shirts,Shirt,,active,N-1,,EUR,10.00\n"
        "x,X,clothing/nowhere,Shirt,,active,N-2,,EUR,10.00\n"
        "y,Y,clothing,Gadget,,active,N-3,,EUR,10.00\n"
        "z,Z,clothing,Shirt,,active,N-4,,EUR,ten\n"
        "w,W,clothing,Shirt,,active,N-1,,EUR,1.00\n"
        "v,V,clothing,Shirt,,live,N-5,,EUR,1.00\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,draft,OTHER-1,,EUR,1.00\n"
        "u,U,clothing,Shirt,,active,N-6,,XYZ,-1\n"
        "t,T,clothing\n"
    )
    response = _import(admin_client_staff, text)
    assert response.status_code == 200
    assert response.context["errors"] == [
        "Line 3: unknown category path 'clothing/nowhere'.",
        "Line 4: unknown product type 'Gadget'.",
        "Line 5: price 'ten' is not a number.",
        "Line 6: SKU 'N-1' is already on line 2.",
        "Line 7: unknown status 'live' (use draft, active, archived).",
        "Line 8: SKU 'OTHER-1' belongs to another product.",
        "Line 9: unknown currency 'XYZ' (use EUR, USD, GBP).",
        "Line 10: expected 10 columns, found 3 columns.",
    ]
    assert b"Nothing was imported" in response.content
    assert counts() == before
    assert audit_trail.events(table_name__startswith="catalog") == []


def test_csv_import_of_prices_refuses_unknown_skus_and_bad_amounts(
    admin_client_staff, shirt
):
    before = list(Price.objects.order_by("pk").values_list("pk", "amount"))
    text = "sku,currency,price\nBS-M,EUR,1.00\nNOPE,EUR,1.00\nBS-L,EUR,1.005\nBS-M,EUR,2.00\n"
    response = _import(admin_client_staff, text, kind="prices")
    assert response.context["errors"] == [
        "Line 3: unknown SKU 'NOPE'.",
        "Line 4: price 1.005 has more than two decimals.",
        "Line 5: SKU 'BS-M' in EUR is already on line 2.",
    ]
    assert list(Price.objects.order_by("pk").values_list("pk", "amount")) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name;price\n".encode("utf-16"), "The file is not UTF-8 text"),
        ("product_name,prix\nCafé,1\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty: it has no header line."),
        (b"sku,currency,price\n", "The file has a header but no rows."),
        (b"sku,price\nA,1\n", "the header lacks the column(s) currency"),
    ],
)
def test_csv_import_of_an_unreadable_file_says_why(
    admin_client_staff, shirt, content, message
):
    before = counts()
    response = _import(admin_client_staff, content, kind="prices")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before

"""Catalog admin lists: constant query counts, every page renders, the indented tree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import services
from apps.catalog.models import (
    OptionValue,
    ProductOption,
)

from .helpers import (
    CATEGORIES_URL,
    PRODUCTS_URL,
    make_product,
    png,
)

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_products(count, tree, product_type, start=0):
    for i in range(start, start + count):
        category = tree["polos"] if i % 2 else tree["shoes"]
        make_product(
            f"Product {i}",
            category,
            product_type,
            (f"SKU-{i}", Decimal("9.99")),
            brand=f"Brand {i % 3}",
        )


@pytest.mark.parametrize(
    "url", [PRODUCTS_URL, PRODUCTS_URL + "?q=SKU-1", "/admin/catalog/productvariant/"]
)
def test_product_and_variant_lists_run_a_constant_number_of_queries(
    admin_client_staff, tree, shirt_type, django_assert_max_num_queries, url
):
    _add_products(3, tree, shirt_type)
    few = _queries(admin_client_staff, url)
    _add_products(27, tree, shirt_type, start=3)
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(url)
    assert few <= 15
    assert b"Product 1" in response.content


def test_product_list_shows_the_import_link_and_finds_by_sku(
    admin_client_staff, tree, shirt_type
):
    _add_products(10, tree, shirt_type)
    response = admin_client_staff.get(PRODUCTS_URL + "?q=SKU-7")
    assert [p.name for p in response.context["cl"].result_list] == ["Product 7"]
    assert b"Import CSV" in response.content


def test_category_list_runs_a_constant_number_of_queries(
    admin_client_staff, shirt_type, django_assert_max_num_queries
):
    def grow(start, count):
        parent = None
        for i in range(start, start + count):
            category = services.category_create(
                name=f"Category {i}", parent=parent if i % 3 else None
            )
            parent = category
            make_product(f"Product {i}", category, shirt_type)

    grow(0, 3)
    few = _queries(admin_client_staff, CATEGORIES_URL)
    grow(3, 27)
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(CATEGORIES_URL)
    assert few <= 12
    assert b"Category 29" in response.content


def test_product_change_page_runs_a_constant_number_of_queries(
    admin_client_staff, shirt, media, django_assert_max_num_queries
):
    url = f"{PRODUCTS_URL}{shirt.pk}/change/"
    services.image_add(product=shirt, image=png("a.png"))
    few = _queries(admin_client_staff, url)
    for i in range(10):
        services.variant_create(product=shirt, sku=f"X-{i}", price=Decimal("1.00"))
        services.image_add(product=shirt, image=png(f"{i}.png"))
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(url)
    assert b"X-9" in response.content


def test_every_catalog_admin_page_renders(admin_client_staff, shirt, django_user_model):
    variant = shirt.variants.first()
    reviewer = django_user_model.objects.create_user(
        email="r@example.com", password="x"
    )
    review = services.review_submit(product=shirt, actor=reviewer, rating=4)
    option = ProductOption.objects.create(product_type=shirt.product_type, name="Size")
    value = OptionValue.objects.create(option=option, value="M")
    urls = [
        "/admin/catalog/",
        CATEGORIES_URL + "add/",
        f"{CATEGORIES_URL}{shirt.category_id}/change/",
        f"{CATEGORIES_URL}{shirt.category_id}/history/",
        PRODUCTS_URL + "add/",
        f"{PRODUCTS_URL}{shirt.pk}/change/",
        f"{PRODUCTS_URL}{shirt.pk}/history/",
        f"{PRODUCTS_URL}{shirt.pk}/delete/",
        PRODUCTS_URL + "import/",
        "/admin/catalog/productvariant/add/",
        f"/admin/catalog/productvariant/{variant.pk}/change/",
        f"/admin/catalog/productvariant/{variant.pk}/history/",
        "/admin/catalog/producttype/",
        f"/admin/catalog/producttype/{shirt.product_type_id}/change/",
        f"/admin/catalog/productoption/{option.pk}/change/",
        "/admin/catalog/optionvalue/",
        f"/admin/catalog/optionvalue/{value.pk}/change/",
        "/admin/catalog/review/",
        f"/admin/catalog/review/{review.pk}/change/",
    ]
    assert {url: admin_client_staff.get(url).status_code for url in urls} == {
        url: 200 for url in urls
    }


def test_autocomplete_offers_alive_categories_only(admin_client_staff, tree):
    tree["shoes"].soft_delete()
    response = admin_client_staff.get(
        "/admin/autocomplete/",
        {
            "app_label": "catalog",
            "model_name": "product",
            "field_name": "category",
            "term": "s",
        },
    )
    names = [row["text"] for row in response.json()["results"]]
    assert names == [
        "Shirts",
        "Polos",
    ]  # tree order; the deleted "Shoes" is not offered


def test_category_changelist_shows_the_tree_in_order_indented_with_counts(
    admin_client_staff, tree, shirt
):
    content = admin_client_staff.get(CATEGORIES_URL).content.decode()
    positions = [
        content.index(f"</span>{name}")
        for name in ("Clothing", "Shirts", "Polos", "Shoes")
    ]
    assert positions == sorted(positions)
    assert '<span class="tree-indent"></span>Clothing' in content
    assert '<span class="tree-indent">\u2003└ </span>Shirts' in content
    assert '<span class="tree-indent">\u2003\u2003└ </span>Polos' in content
    assert '<td class="field-product_count">1</td>' in content  # Shirts: Blue Shirt

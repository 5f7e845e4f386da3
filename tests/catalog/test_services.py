"""Catalog services: readable slugs under concurrency, flat attributes, the category tree and
its moves."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from apps.catalog import services
from apps.catalog.errors import CategoryMoveInvalid
from apps.catalog.models import Category, ProductSlug, ProductType


@pytest.mark.django_db
def test_slugs_get_readable_suffixes_and_old_slugs_are_kept(shirt):
    product, _ = shirt
    other = services.product_create(
        product_type=product.product_type, category=product.category, name="Blue Shirt"
    )
    third = services.product_create(
        product_type=product.product_type,
        category=product.category,
        name="Blue   shirt!",
    )
    assert (product.slug, other.slug, third.slug) == (
        "blue-shirt",
        "blue-shirt-2",
        "blue-shirt-3",
    )
    services.product_update(product=product, name="Navy Shirt")
    assert product.slug == "navy-shirt"
    assert ProductSlug.objects.get(slug="blue-shirt").product == product
    # Renaming back makes the slug current again; no stale redirect remains for it.
    services.product_update(product=product, name="Blue Shirt")
    assert (
        product.slug == "blue-shirt"
        and not ProductSlug.objects.filter(slug="blue-shirt").exists()
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_of_same_name_gets_two_slugs_no_error():
    root = services.category_create(name="Race")
    product_type = ProductType.objects.create(name="Racer")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def create():
        try:
            barrier.wait(5)
            with transaction.atomic():
                results.append(
                    services.product_create(
                        product_type=product_type, category=root, name="Blue Shirt"
                    ).slug
                )
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [
        "blue-shirt",
        "blue-shirt-2",
        "blue-shirt-3",
        "blue-shirt-4",
    ]


@pytest.mark.django_db
def test_attributes_must_be_a_flat_object(shirt):
    from apps.catalog.errors import AttributesInvalid

    product, _ = shirt
    with pytest.raises(AttributesInvalid):
        services.product_update(product=product, attributes={"nested": {"no": 1}})
    product.refresh_from_db()
    assert product.attributes == {}


@pytest.mark.django_db
def test_category_tree_paths_and_subtree_move():
    a = services.category_create(name="A")
    b = services.category_create(name="B", parent=a)
    c = services.category_create(name="C", parent=b)
    d = services.category_create(name="D")
    assert (a.path, b.path, c.path, b.depth, c.depth) == (
        f"/{a.pk}/",
        f"/{a.pk}/{b.pk}/",
        f"/{a.pk}/{b.pk}/{c.pk}/",
        1,
        2,
    )
    services.category_move(category=b, parent=d)
    b.refresh_from_db(), c.refresh_from_db()
    assert (b.path, c.path, b.depth, c.depth, b.parent_id) == (
        f"/{d.pk}/{b.pk}/",
        f"/{d.pk}/{b.pk}/{c.pk}/",
        1,
        2,
        d.pk,
    )
    assert set(services.category_subtree_ids(d)) == {d.pk, b.pk, c.pk}
    with pytest.raises(CategoryMoveInvalid):
        services.category_move(category=d, parent=c)
    d.refresh_from_db()
    assert d.parent_id is None and d.path == f"/{d.pk}/"


@pytest.mark.django_db
def test_category_slug_unique_within_parent_only():
    a, b = services.category_create(name="Men"), services.category_create(name="Women")
    assert services.category_create(name="Shoes", parent=a).slug == "shoes"
    assert services.category_create(name="Shoes", parent=b).slug == "shoes"
    assert services.category_create(name="Shoes", parent=a).slug == "shoes-2"
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="x", slug="shoes", parent=a, path="/")


@pytest.mark.django_db(transaction=True)
def test_concurrent_subtree_moves_cannot_make_a_cycle():
    a = services.category_create(name="P")
    b = services.category_create(name="Q")
    barrier = threading.Barrier(2)
    outcomes = []

    def move(category, parent):
        try:
            barrier.wait(5)
            services.category_move(category=category, parent=parent)
            outcomes.append("moved")
        except CategoryMoveInvalid:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(a, b)),
        threading.Thread(target=move, args=(b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["moved", "refused"]
    a.refresh_from_db(), b.refresh_from_db()
    assert not (a.parent_id == b.pk and b.parent_id == a.pk)

"""Catalog rules the database keeps: SKU, primary image, promotions, slugs, the tree."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.catalog import services
from apps.catalog.errors import CategoryMoveInvalid, PromotionOverlap, SkuTaken
from apps.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
)


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


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


@pytest.mark.django_db
def test_duplicate_sku_among_alive_variants_is_refused_by_raw_sql(shirt):
    product, variant = shirt
    insert = (
        "INSERT INTO catalog_productvariant (product_id, sku, name, weight_grams, is_active, position, in_stock, created_at)"
        " VALUES (%s, 'BS-M', 'dup', 0, true, 1, false, now())"
    )
    with (
        pytest.raises(IntegrityError, match="catalog_variant_sku_unique_alive"),
        transaction.atomic(),
    ):
        _execute(insert, [product.pk])
    with pytest.raises(SkuTaken):
        services.variant_create(product=product, sku="BS-M")
    variant.soft_delete()
    _execute(insert, [product.pk])  # a deleted variant's SKU is free again
    assert ProductVariant.objects.filter(sku="BS-M").count() == 1


@pytest.mark.django_db
def test_two_primary_images_are_refused_and_switching_is_one_call(shirt):
    from django.core.files.base import ContentFile

    product, _ = shirt
    first = services.image_add(product=product, image=ContentFile(b"x", name="a.png"))
    second = services.image_add(product=product, image=ContentFile(b"y", name="b.png"))
    assert (first.is_primary, ProductImage.objects.get(pk=second.pk).is_primary) == (
        True,
        False,
    )
    with (
        pytest.raises(IntegrityError, match="catalog_image_one_primary"),
        transaction.atomic(),
    ):
        _execute(
            "UPDATE catalog_productimage SET is_primary = true WHERE id = %s",
            [second.pk],
        )
    services.image_set_primary(image=second)
    assert list(
        ProductImage.objects.filter(product=product, is_primary=True).values_list(
            "pk", flat=True
        )
    ) == [second.pk]


@pytest.mark.django_db
def test_overlapping_promotions_are_refused(shirt):
    _, variant = shirt
    now = timezone.now()
    services.promotion_add(
        variant=variant,
        amount=Decimal("15.00"),
        start=now,
        end=now + dt.timedelta(days=7),
    )
    with pytest.raises(PromotionOverlap):
        services.promotion_add(
            variant=variant,
            amount=Decimal("14.00"),
            start=now + dt.timedelta(days=6),
            end=None,
        )
    with (
        pytest.raises(IntegrityError, match="catalog_promotion_no_overlap"),
        transaction.atomic(),
    ):
        _execute(
            "INSERT INTO catalog_promotionalprice (variant_id, currency, amount, valid_during, label)"
            " VALUES (%s, 'EUR', 1, tstzrange(now() + interval '1 day', now() + interval '2 days'), '')",
            [variant.pk],
        )
    # Adjacent windows are fine ([start, end) ranges).
    services.promotion_add(
        variant=variant,
        amount=Decimal("16.00"),
        start=now + dt.timedelta(days=7),
        end=None,
    )
    assert PromotionalPrice.objects.filter(variant=variant).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE catalog_price SET amount = -1", "catalog_price_amount_gte_0"),
        (
            "UPDATE catalog_product SET min_price = -5",
            "catalog_product_min_price_gte_0",
        ),
        ("UPDATE catalog_product SET status = 'sold'", "catalog_product_status_valid"),
        (
            "UPDATE catalog_product SET publish_from = now(), publish_until = now() - interval '1 day'",
            "catalog_product_publish_window",
        ),
    ],
)
def test_money_status_and_window_rules_are_kept_by_the_database(shirt, sql, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _execute(sql)
    assert Product.objects.get().status == "active"


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


@pytest.mark.django_db
def test_search_vector_follows_bulk_edits_without_python(shirt):
    product, _ = shirt
    Product.objects.filter(pk=product.pk).update(description="Made of organic linen")
    assert Product.objects.filter(search_vector="linen").count() == 1
    _execute(
        "UPDATE catalog_product SET tags = ARRAY['summer'] WHERE id = %s", [product.pk]
    )
    assert Product.objects.filter(search_vector="summer").count() == 1


@pytest.mark.django_db
def test_review_rating_range_and_one_per_customer(shirt, customer):
    from apps.catalog.errors import ReviewExists

    product, _ = shirt
    services.review_submit(product=product, actor=customer, rating=5)
    with pytest.raises(ReviewExists):
        services.review_submit(product=product, actor=customer, rating=4)
    with (
        pytest.raises(IntegrityError, match="catalog_review_rating_1_5"),
        transaction.atomic(),
    ):
        _execute("UPDATE catalog_review SET rating = 6")


@pytest.mark.django_db(transaction=True)
def test_ratings_view_is_refreshed_by_the_job(customer):
    from apps.auditing.jobs import job_execute
    from apps.catalog.models import ProductRating

    root = services.category_create(name="R")
    product = services.product_create(
        product_type=ProductType.objects.create(name="T"), category=root, name="Rated"
    )
    review = services.review_submit(product=product, actor=customer, rating=4)
    services.review_moderate(review=review, status="approved")
    assert not ProductRating.objects.filter(product=product).exists()
    run = job_execute("catalog.ratings_refresh")
    assert run.outcome == "success"
    rating = ProductRating.objects.get(product=product)
    assert (rating.average, rating.count) == (Decimal("4.00"), 1)


@pytest.mark.django_db
def test_attributes_must_be_a_flat_object(shirt):
    from apps.catalog.errors import AttributesInvalid

    product, _ = shirt
    with pytest.raises(AttributesInvalid):
        services.product_update(product=product, attributes={"nested": {"no": 1}})
    product.refresh_from_db()
    assert product.attributes == {}


@pytest.mark.django_db
def test_raw_delete_of_a_product_soft_deletes(shirt):
    product, _ = shirt
    _execute("DELETE FROM catalog_product WHERE id = %s", [product.pk])
    assert Product.deleted_objects.filter(pk=product.pk).exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        # a variant still points at it: a hard delete is refused
        Product.all_objects.filter(pk=product.pk).hard_delete()

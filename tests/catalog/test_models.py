"""Catalog rules the database keeps (constraints and triggers of apps/catalog/models): SKU,
primary image, promotions, money and status, reviews, the search vector, soft delete; each
refused by raw SQL and, where a service writes it, by the service with its own error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.catalog import services
from apps.catalog.errors import PromotionOverlap, SkuTaken
from apps.catalog.models import Product, ProductImage, ProductVariant, PromotionalPrice


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


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


@pytest.mark.django_db
def test_search_vector_follows_bulk_edits_without_python(shirt):
    product, _ = shirt
    Product.objects.filter(pk=product.pk).update(description="Made of organic linen")
    assert Product.objects.filter(search_vector="linen").count() == 1
    _execute(
        "UPDATE catalog_product SET tags = ARRAY['summer'] WHERE id = %s", [product.pk]
    )
    assert Product.objects.filter(search_vector="summer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_raw_delete_of_a_product_soft_deletes(shirt):
    from apps.auditing.roles import as_owner

    product, _ = shirt
    _execute("DELETE FROM catalog_product WHERE id = %s", [product.pk])
    assert Product.deleted_objects.filter(pk=product.pk).exists()
    # Even for the owner, who may really delete: a variant still points at it.
    with as_owner(), pytest.raises(DatabaseError), transaction.atomic():
        Product.all_objects.filter(pk=product.pk).hard_delete()
    assert Product.all_objects.filter(pk=product.pk).exists()


@pytest.mark.django_db
def test_tree_order_compares_ids_as_numbers_across_digit_boundaries():
    from django.db import connection

    from apps.catalog.models import Category
    from tests.conftest import owner_sql

    # given: categories whose ids cross a power of ten (…98, …99, 1…00, …); moving a
    # sequence is the owner's (the application's role may only draw from it)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('catalog_category', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (current,) = cursor.fetchone()
    owner_sql("SELECT setval(%s, %s)", [sequence, 10 ** len(str(current)) - 3])
    roots = [services.category_create(name=f"Root {i}") for i in range(5)]
    child = services.category_create(name="Child", parent=roots[0])
    assert len(str(roots[0].pk)) < len(str(roots[-1].pk))

    # then: a parent before its children, siblings by id as numbers
    listed = [
        c.pk for c in Category.objects.filter(pk__in=[r.pk for r in roots] + [child.pk])
    ]
    assert listed == [roots[0].pk, child.pk, *[r.pk for r in roots[1:]]]

"""`manage.py seed_demo` builds a small, consistent demo catalog and is idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.catalog.models import (
    Category,
    Price,
    Product,
    ProductImage,
    ProductRating,
    ProductVariant,
    PromotionalPrice,
    Review,
    SearchWord,
    TierPrice,
)
from apps.demo.catalog import (
    PRODUCT_COLUMNS,
    Context,
    product_spec,
    seed_categories,
    seed_types,
)
from apps.demo.progress import output

PRODUCTS = 30


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in (
            Category,
            Product,
            ProductVariant,
            Price,
            PromotionalPrice,
            TierPrice,
            ProductImage,
            Review,
        )
    }


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("seed_demo", products=PRODUCTS, orders=0, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_three_level_tree_with_correct_paths(seeded):
    categories = {c.pk: c for c in Category.objects.all()}
    assert len(categories) == 6 + 6 * 4 + 6 * 4 * 4
    assert {c.depth for c in categories.values()} == {0, 1, 2}
    for category in categories.values():
        parent = categories.get(category.parent_id)
        expected = f"{parent.path if parent else '/'}{category.pk}/"
        assert (category.path, category.depth) == (
            expected,
            parent.depth + 1 if parent else 0,
        )
    leaves = {c.pk for c in categories.values() if c.depth == 2}
    assert set(Product.objects.values_list("category_id", flat=True)) <= leaves
    assert Category.objects.filter(is_featured=True).exists()


def test_seed_demo_products_have_priced_variants_and_one_primary_image(seeded):
    assert Product.objects.count() == PRODUCTS
    per_product = Product.objects.values_list("pk", flat=True)
    for product_id in per_product:
        variants = ProductVariant.objects.filter(product_id=product_id)
        assert 2 <= variants.count() <= 5
        assert (
            Price.objects.filter(variant__product_id=product_id, currency="EUR").count()
            == variants.count()
        )
        assert (
            ProductImage.objects.filter(product_id=product_id, is_primary=True).count()
            == 1
        )
        # every variant differs from its siblings by its option values
        combos = [
            tuple(sorted(v.option_values.values_list("pk", flat=True)))
            for v in variants
        ]
        assert len(set(combos)) == len(combos) and all(combos)
    skus = list(ProductVariant.objects.values_list("sku", flat=True))
    assert len(skus) == len(set(skus))
    assert Product.objects.filter(status="active").count() > PRODUCTS // 2
    assert not Product.objects.filter(search_vector__isnull=True).exists()
    assert Review.objects.filter(user__email__endswith="@example.com").exists()


def test_seed_demo_min_price_is_the_lowest_active_variant_price(seeded):
    wrong = _scalar(
        """
        SELECT count(*) FROM catalog_product p
        WHERE p.min_price IS DISTINCT FROM (
            SELECT min(pr.amount) FROM catalog_productvariant v
            JOIN catalog_price pr ON pr.variant_id = v.id AND pr.currency = 'EUR'
            WHERE v.product_id = p.id AND v.is_active AND v.deleted_at IS NULL)
        """
    )
    assert wrong == 0
    assert not Product.objects.filter(min_price__isnull=True).exists()


def test_seed_demo_refreshes_ratings_from_approved_reviews(seeded):
    approved = set(
        Review.objects.filter(status="approved").values_list("product_id", flat=True)
    )
    assert set(ProductRating.objects.values_list("product_id", flat=True)) == approved


def test_seed_demo_fills_the_search_vocabulary(seeded):
    name = Product.objects.filter(status="active").order_by("pk").first().name
    words = {w for w in name.lower().split() if w.isalpha() and len(w) >= 3}

    assert words <= set(SearchWord.objects.values_list("word", flat=True))


def test_seed_demo_twice_creates_nothing_more(seeded, settings):
    before = _counts()
    out = StringIO()
    call_command("seed_demo", products=PRODUCTS, orders=0, stdout=out)
    assert _counts() == before
    assert "0 people created, 0 products created" in out.getvalue()


def test_seed_demo_tops_up_to_the_asked_number(seeded):
    skus = set(ProductVariant.objects.values_list("sku", flat=True))
    out = StringIO()
    call_command("seed_demo", products=PRODUCTS + 5, orders=0, stdout=out)
    assert Product.objects.count() == PRODUCTS + 5
    assert "5 products created" in out.getvalue()
    assert skus < set(ProductVariant.objects.values_list("sku", flat=True))
    assert Category.objects.count() == 6 + 6 * 4 + 6 * 4 * 4


def test_seed_demo_sets_min_price_in_the_database(seeded):
    # given a product whose min_price went wrong
    product = Product.objects.order_by("pk").first()
    lowest = product.min_price
    Product.objects.filter(pk=product.pk).update(min_price=lowest + 1000)
    # when the seed runs again
    call_command("seed_demo", products=PRODUCTS, orders=0, stdout=StringIO())
    # then the UPDATE at its end puts the lowest active price back
    product.refresh_from_db()
    assert product.min_price == lowest


def test_seed_demo_writes_one_first_history_entry_per_row_as_it_was_created(seeded):
    for model in (Product, ProductVariant, Price, PromotionalPrice, TierPrice):
        history = model.history.model
        rows = model._default_manager.count()
        assert rows > 0, model.__name__
        assert history.objects.count() == rows, model.__name__
        assert set(history.objects.values_list("history_type", flat=True)) == {"+"}
        assert not history.objects.exclude(
            id__in=model._default_manager.values("pk")
        ).exists()
    for product in Product.objects.all():
        entry = product.history.get()
        assert (
            entry.name,
            entry.slug,
            entry.tags,
            entry.attributes,
            entry.min_price,
            entry.status,
            entry.category_id,
        ) == (
            product.name,
            product.slug,
            product.tags,
            product.attributes,
            product.min_price,
            product.status,
            product.category_id,
        )
    for price in Price.objects.all():
        assert (price.history.get().amount, price.history.get().variant_id) == (
            price.amount,
            price.variant_id,
        )


def test_seed_demo_builds_product_n_the_same_whatever_came_before(seeded):
    ctx = Context(
        leaves=seed_categories(output(StringIO())),
        types={},
        customers=[1, 2],
        taken_slugs=set(),
        now=timezone.now(),
    )
    ctx.types = seed_types(output(StringIO()), ctx.leaves)
    first = product_spec(7, ctx)
    for n in (1, 2, 3, 40, 41):
        product_spec(n, ctx)
    again = product_spec(7, ctx)
    # the same product: only its slug moves on, the first being taken now
    assert (again.row[:3], again.row[4:]) == (first.row[:3], first.row[4:])
    assert again.row[3].startswith(f"{first.row[3]}-")
    assert [v.sku for v in again.variants] == [v.sku for v in first.variants]
    assert again.reviews == first.reviews and again.picture == first.picture


def test_seed_demo_products_are_the_ones_the_seed_describes(seeded):
    # what was written is what `product_spec` builds for the same numbers
    product = Product.objects.order_by("pk").first()
    sku = product.variants.order_by("position").first().sku
    number = int(sku.split("-")[1])
    ctx = Context(
        leaves=seed_categories(output(StringIO())),
        types={},
        customers=[],
        taken_slugs=set(),
        now=timezone.now(),
    )
    ctx.types = seed_types(output(StringIO()), ctx.leaves)
    spec = product_spec(number, ctx)
    assert dict(zip(PRODUCT_COLUMNS, spec.row, strict=True))["name"] == product.name
    assert [v.sku for v in spec.variants] == list(
        product.variants.order_by("position").values_list("sku", flat=True)
    )
    assert [v.price for v in spec.variants] == list(
        Price.objects.filter(variant__product=product)
        .order_by("variant__position")
        .values_list("amount", flat=True)
    )

"""Catalog services: readable slugs under concurrency, flat attributes, the category tree and
its moves."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.catalog import services
from apps.catalog.errors import (
    CategoryMoveInvalid,
    CategoryNotEmpty,
    OptionTaken,
    OptionValueTaken,
    PriceExists,
    PromotionOverlap,
    ReviewExists,
    SkuTaken,
    SlugUnavailable,
    TierExists,
)
from apps.catalog.models import (
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)
from apps.catalog.services import _common, variants
from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ProductVariantFactory,
    PromotionFactory,
    TierPriceFactory,
    png_file,
)

pytestmark = pytest.mark.django_db


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


def _rows(model, **filters) -> list[tuple]:
    return list(model._base_manager.filter(**filters).order_by("pk").values_list())


# --- categories ----------------------------------------------------------------------------


def test_category_update_changes_fields_and_moves_the_subtree(staff):
    clothing, shoes = CategoryFactory(name="Clothing"), CategoryFactory(name="Shoes")
    shirts = CategoryFactory(name="Shirts", parent=clothing)
    polos = CategoryFactory(name="Polos", parent=shirts)
    moved = services.category_update(
        category=shirts, parent=shoes, name="Tops", is_featured=True, actor=staff
    )
    polos.refresh_from_db()
    assert (moved.name, moved.is_featured, moved.parent_id, moved.path) == (
        "Tops",
        True,
        shoes.pk,
        f"/{shoes.pk}/{shirts.pk}/",
    )
    assert (polos.path, polos.depth) == (f"/{shoes.pk}/{shirts.pk}/{polos.pk}/", 2)
    assert moved.history.latest().history_user_id == staff.pk


def test_category_update_without_parent_keeps_it():
    clothing = CategoryFactory(name="Clothing")
    shirts = CategoryFactory(name="Shirts", parent=clothing)
    services.category_update(category=shirts, description="All shirts")
    shirts.refresh_from_db()
    assert (shirts.parent_id, shirts.description) == (clothing.pk, "All shirts")


def test_category_update_refuses_fields_of_the_tree():
    category = CategoryFactory()
    with pytest.raises(TypeError, match="path"):
        services.category_update(category=category, path="/1/")


def test_category_delete_refuses_a_category_with_children_or_products():
    parent = CategoryFactory(name="Parent")
    child = CategoryFactory(name="Child", parent=parent)
    ProductFactory(category=child)
    before = _rows(Category)
    for category in (parent, child):
        with pytest.raises(CategoryNotEmpty) as caught:
            services.category_delete(category=category)
        assert caught.value.code == "category_not_empty"
    assert _rows(Category) == before


def test_category_delete_soft_deletes_an_empty_category():
    empty = CategoryFactory(name="Empty")
    services.category_delete(category=empty)
    assert Category.deleted_objects.filter(pk=empty.pk).exists()


# --- slugs ---------------------------------------------------------------------------------


def test_a_slug_taken_by_a_concurrent_writer_moves_on_to_the_next_candidate():
    first = ProductFactory(name="Blue Shirt")
    second = Product(
        product_type=first.product_type, category=first.category, name="Blue Shirt"
    )
    # `taken` says free: the unique index is what refuses, by name, and the next is tried.
    _common.save_with_free_slug(second, "Blue Shirt", lambda slug: False)
    assert (first.slug, second.slug) == ("blue-shirt", "blue-shirt-2")


def test_a_slug_given_explicitly_and_taken_is_refused_by_name():
    ProductFactory(name="Taken")
    product = ProductFactory(name="Other")
    with pytest.raises(SlugUnavailable) as caught:
        services.product_update(product=product, slug="taken")
    assert caught.value.code == "slug_unavailable"
    assert Product.objects.get(pk=product.pk).slug == "other"


# --- variants ------------------------------------------------------------------------------


def test_variant_create_refused_by_the_sku_index_changes_nothing(monkeypatch):
    existing = ProductVariantFactory(sku="SKU-1")
    monkeypatch.setattr(variants, "_sku_taken", lambda sku, own_pk=None: False)
    before = (_rows(ProductVariant), _rows(Price))
    with pytest.raises(SkuTaken) as caught:
        services.variant_create(
            product=existing.product, sku="SKU-1", price=Decimal("3.00")
        )
    assert caught.value.code == "sku_taken"
    assert (_rows(ProductVariant), _rows(Price)) == before


def test_variant_update_to_a_taken_sku_is_refused_and_changes_nothing(monkeypatch):
    ProductVariantFactory(sku="SKU-A")
    other = ProductVariantFactory(sku="SKU-B")
    before = _rows(ProductVariant)
    with pytest.raises(SkuTaken):
        services.variant_update(variant=other, sku="SKU-A")
    monkeypatch.setattr(variants, "_sku_taken", lambda sku, own_pk=None: False)
    with pytest.raises(SkuTaken):
        services.variant_update(variant=other, sku="SKU-A", name="renamed")
    assert _rows(ProductVariant) == before


def test_variant_update_moves_the_lowest_price_of_both_products(staff):
    cheap = ProductVariantFactory(price=Decimal("5.00"))
    dear = ProductVariantFactory(price=Decimal("50.00"))
    services.variant_update(variant=cheap, product=dear.product, actor=staff)
    old, new = cheap.product, dear.product
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.min_price, new.min_price) == (None, Decimal("5.00"))
    latest = ProductVariant.objects.get(pk=cheap.pk).history.latest()
    assert (latest.product_id, latest.history_user_id) == (new.pk, staff.pk)
    services.variant_update(variant=cheap, is_active=False)
    new.refresh_from_db()
    assert new.min_price == Decimal("50.00")


def test_variant_delete_soft_deletes_and_refreshes_the_lowest_price():
    cheap = ProductVariantFactory(price=Decimal("5.00"))
    ProductVariantFactory(product=cheap.product, price=Decimal("8.00"))
    services.variant_delete(variant=cheap)
    product = Product.objects.get(pk=cheap.product_id)
    assert ProductVariant.deleted_objects.filter(pk=cheap.pk).exists()
    assert product.min_price == Decimal("8.00")


# --- prices --------------------------------------------------------------------------------


def test_price_update_to_a_currency_the_variant_has_is_refused():
    variant = ProductVariantFactory(price=Decimal("10.00"))
    usd = services.price_set(variant=variant, amount=Decimal("12.00"), currency="USD")
    before = _rows(Price, variant=variant)
    with pytest.raises(PriceExists) as caught:
        services.price_update(price=usd, amount=Decimal("1.00"), currency="EUR")
    assert caught.value.code == "price_exists"
    assert _rows(Price, variant=variant) == before


def test_price_update_and_delete_keep_the_lowest_price():
    variant = ProductVariantFactory(price=Decimal("10.00"))
    price = variant.prices.get(currency="EUR")
    services.price_update(price=price, amount=Decimal("7.00"), currency="EUR")
    assert Product.objects.get(pk=variant.product_id).min_price == Decimal("7.00")
    services.price_delete(price=price)
    assert not Price.objects.filter(pk=price.pk).exists()
    assert Product.objects.get(pk=variant.product_id).min_price is None


def _week(days_from_now: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days_from_now)
    return start, start + dt.timedelta(days=7)


def test_promotion_add_and_update_refuse_an_overlap_and_change_nothing():
    first = PromotionFactory(start=_week(1)[0], end=_week(1)[1])
    start, end = _week(10)
    second = services.promotion_add(
        variant=first.variant, amount=Decimal("5.00"), start=start, end=end
    )
    before = _rows(PromotionalPrice)
    with pytest.raises(PromotionOverlap) as caught:
        services.promotion_add(
            variant=first.variant, amount=Decimal("4.00"), start=start, end=end
        )
    assert caught.value.code == "promotion_overlap"
    with pytest.raises(PromotionOverlap):
        services.promotion_update(
            promotion=second,
            amount=Decimal("5.00"),
            start=_week(1)[0],
            end=_week(1)[1],
            currency="EUR",
        )
    assert _rows(PromotionalPrice) == before


def test_promotion_update_and_delete():
    promotion = PromotionFactory(start=_week(1)[0], end=_week(1)[1])
    start, end = _week(10)
    services.promotion_update(
        promotion=promotion,
        amount=Decimal("1.00"),
        start=start,
        end=end,
        currency="EUR",
        label="Later",
    )
    promotion.refresh_from_db()
    assert (promotion.amount, promotion.label, promotion.valid_during.lower) == (
        Decimal("1.00"),
        "Later",
        start,
    )
    services.promotion_delete(promotion=promotion)
    assert not PromotionalPrice.objects.filter(pk=promotion.pk).exists()


def test_tier_update_to_a_quantity_the_variant_has_is_refused():
    ten = TierPriceFactory(min_quantity=10)
    twenty = TierPriceFactory(variant=ten.variant, min_quantity=20)
    before = _rows(TierPrice)
    with pytest.raises(TierExists) as caught:
        services.tier_update(
            tier=twenty, min_quantity=10, amount=Decimal("1.00"), currency="EUR"
        )
    assert caught.value.code == "tier_exists"
    assert _rows(TierPrice) == before
    services.tier_update(
        tier=twenty, min_quantity=25, amount=Decimal("8.00"), currency="EUR"
    )
    assert TierPrice.objects.get(pk=twenty.pk).min_quantity == 25
    services.tier_delete(tier=twenty)
    assert list(TierPrice.objects.values_list("pk", flat=True)) == [ten.pk]


# --- images, options, reviews --------------------------------------------------------------


def test_image_update_and_delete(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = ProductImageFactory(alt_text="front")
    updated = services.image_update(image=image, alt_text="back", position=3)
    assert (updated.alt_text, updated.position) == ("back", 3)
    services.image_update(image=image, file=png_file("new.png"))
    assert ProductImage.objects.get(pk=image.pk).image.name.endswith("new.png")
    services.image_delete(image=image)
    assert ProductImage.deleted_objects.filter(pk=image.pk).exists()


def test_option_names_and_values_are_unique_by_constraint_name():
    product_type = ProductType.objects.create(name="Shirt")
    size = services.option_save(
        option=ProductOption(product_type=product_type, name="Size")
    )
    medium = services.option_value_save(value=OptionValue(option=size, value="M"))
    with pytest.raises(OptionTaken):
        services.option_save(
            option=ProductOption(product_type=product_type, name="Size")
        )
    with pytest.raises(OptionValueTaken):
        services.option_value_save(value=OptionValue(option=size, value="M"))
    assert _rows(ProductOption) == _rows(ProductOption, pk=size.pk)
    assert _rows(OptionValue) == _rows(OptionValue, pk=medium.pk)
    services.option_value_delete(value=medium)
    services.option_delete(option=size)
    services.product_type_delete(product_type=product_type)
    assert not ProductType.objects.filter(pk=product_type.pk).exists()


def test_a_second_review_of_a_product_is_refused_and_changes_nothing(customer):
    product = ProductFactory()
    services.review_submit(product=product, actor=customer, rating=5)
    before = _rows(Review)
    with pytest.raises(ReviewExists) as caught:
        services.review_submit(product=product, actor=customer, rating=1)
    assert caught.value.code == "review_exists"
    assert _rows(Review) == before


def test_review_moderation_records_the_actor(customer, staff):
    review = services.review_submit(product=ProductFactory(), actor=customer, rating=4)
    services.review_moderate(review=review, status="approved", actor=staff)
    review.refresh_from_db()
    assert (review.user_id, review.status, review.moderated_by_id) == (
        customer.pk,
        "approved",
        staff.pk,
    )

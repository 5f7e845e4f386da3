"""Every write of the catalog."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields.ranges import DateTimeTZRange
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils.text import slugify

from .cache import product_cache_invalidate
from .errors import (
    AttributesInvalid,
    CategoryMoveInvalid,
    PromotionOverlap,
    ReviewExists,
    SkuTaken,
    SlugUnavailable,
)
from .models import (
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)

TREE_LOCK = "catalog_category_tree"
MAX_SLUG_TRIES = 50


def _lock(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def _slug_candidates(name: str, max_length: int):
    base = slugify(name)[: max_length - 4].strip("-") or "item"
    yield base
    for n in range(2, MAX_SLUG_TRIES + 2):
        yield f"{base}-{n}"


def _save_with_free_slug(obj, name: str, taken) -> None:
    """Give `obj` the first free readable slug (`blue-shirt`, `blue-shirt-2`, ...) and save it.

    Two writers may pick the same candidate at once: the alive-unique index refuses the
    second, which then tries the next candidate. No lock, no error to the user.
    """
    max_length = type(obj)._meta.get_field("slug").max_length
    for candidate in _slug_candidates(name, max_length):
        if taken(candidate):
            continue
        obj.slug = candidate
        try:
            with transaction.atomic():
                obj.save()
            return
        except IntegrityError as exc:
            if "slug" not in str(exc):
                raise
    raise SlugUnavailable()


# --- categories ----------------------------------------------------------------------------


@transaction.atomic
def category_create(
    *, name: str, parent: Category | None = None, position: int = 0, **fields: Any
) -> Category:
    """Add a category under `parent` (or at the root)."""
    _lock(TREE_LOCK)
    category = Category(name=name, parent=parent, position=position, path="/", **fields)
    siblings = Category.objects.filter(parent=parent)
    _save_with_free_slug(
        category,
        name,
        lambda s: siblings.filter(slug=s).exclude(pk=category.pk).exists(),
    )
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.depth = parent.depth + 1 if parent else 0
    Category.all_objects.filter(pk=category.pk).update(
        path=category.path, depth=category.depth
    )
    product_cache_invalidate()
    return category


@transaction.atomic
def category_move(
    *, category: Category, parent: Category | None, position: int | None = None
) -> Category:
    """Move a category and its whole subtree under `parent` in one statement."""
    _lock(TREE_LOCK)  # one tree writer at a time: concurrent moves cannot make a cycle
    category = Category.all_objects.get(pk=category.pk)
    parent = Category.all_objects.get(pk=parent.pk) if parent else None
    if parent is not None and parent.path.startswith(category.path):
        raise CategoryMoveInvalid()
    old_prefix = category.path
    new_prefix = f"{parent.path if parent else '/'}{category.pk}/"
    delta = (parent.depth + 1 if parent else 0) - category.depth
    if (
        Category.objects.filter(parent=parent, slug=category.slug)
        .exclude(pk=category.pk)
        .exists()
    ):
        _save_with_free_slug(
            category,
            category.name,
            lambda s: Category.objects.filter(parent=parent, slug=s).exists(),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_category SET path = %s || substr(path, %s), depth = depth + %s"
            " WHERE path LIKE %s",
            [new_prefix, len(old_prefix) + 1, delta, old_prefix + "%"],
        )
    Category.all_objects.filter(pk=category.pk).update(
        parent=parent, position=category.position if position is None else position
    )
    category.refresh_from_db()
    product_cache_invalidate()
    return category


def category_subtree_ids(category: Category) -> list[int]:
    return list(
        Category.objects.filter(path__startswith=category.path).values_list(
            "pk", flat=True
        )
    )


# --- products ------------------------------------------------------------------------------


def attributes_validate(attributes: Any) -> dict[str, Any]:
    """Attributes are a flat object of short names to text, numbers or booleans."""
    if not isinstance(attributes, dict):
        raise AttributesInvalid("Attributes must be an object of name/value pairs.")
    for key, value in attributes.items():
        if not isinstance(key, str) or not key or len(key) > 60:
            raise AttributesInvalid(
                f"Attribute name {key!r} must be text of 1 to 60 characters."
            )
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, str) and len(value) > 500
        ):
            raise AttributesInvalid(
                f"Attribute {key!r} must be text (up to 500 characters), a number or true/false."
            )
    return attributes


@transaction.atomic
def product_create(
    *, product_type: ProductType, category: Category, name: str, **fields: Any
) -> Product:
    """Create a product with a free readable slug."""
    fields["attributes"] = attributes_validate(fields.get("attributes", {}))
    product = Product(product_type=product_type, category=category, name=name, **fields)
    _save_with_free_slug(
        product, name, lambda s: Product.objects.filter(slug=s).exists()
    )
    product_cache_invalidate(product.pk)
    return product


@transaction.atomic
def product_update(*, product: Product, **fields: Any) -> Product:
    """Change a product; a new name gives a new slug and the old one redirects (301)."""
    if "attributes" in fields:
        fields["attributes"] = attributes_validate(fields["attributes"])
    old_slug, old_name = product.slug, product.name
    for key, value in fields.items():
        setattr(product, key, value)
    if "name" in fields and fields["name"] != old_name and "slug" not in fields:
        _save_with_free_slug(
            product,
            product.name,
            lambda s: Product.objects.filter(slug=s).exclude(pk=product.pk).exists(),
        )
    else:
        product.save()
    if product.slug != old_slug:
        ProductSlug.objects.filter(
            slug=product.slug
        ).delete()  # the new slug is current again
        ProductSlug.objects.update_or_create(
            slug=old_slug, defaults={"product": product}
        )
    product_cache_invalidate(product.pk)
    return product


@transaction.atomic
def products_set_status(*, product_ids: list[int], status: str) -> int:
    """Activate or archive many products at once."""
    count = Product.objects.filter(pk__in=product_ids).update(status=status)
    product_cache_invalidate(*product_ids)
    return count


@transaction.atomic
def variant_create(
    *,
    product: Product,
    sku: str,
    name: str = "",
    option_values: list[OptionValue] = (),
    price: Decimal | None = None,
    currency: str = "EUR",
    **fields: Any,
) -> ProductVariant:
    """Add a variant (with its base price)."""
    if ProductVariant.objects.filter(sku=sku).exists():
        raise SkuTaken()
    try:
        with transaction.atomic():
            variant = ProductVariant.objects.create(
                product=product, sku=sku, name=name, **fields
            )
    except IntegrityError as exc:
        raise SkuTaken() from exc
    if option_values:
        variant.option_values.set(option_values)
    if price is not None:
        price_set(variant=variant, amount=price, currency=currency)
    product_cache_invalidate(product.pk)
    return variant


@transaction.atomic
def image_set_primary(*, image: ProductImage) -> ProductImage:
    """Make this the product's primary image (one call; the others stop being primary)."""
    ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(
        pk=image.pk
    ).update(is_primary=False)
    ProductImage.objects.filter(pk=image.pk).update(is_primary=True)
    image.is_primary = True
    product_cache_invalidate(image.product_id)
    return image


@transaction.atomic
def image_add(
    *, product: Product, image, alt_text: str = "", primary: bool = False
) -> ProductImage:
    """Attach an image; the first one becomes primary."""
    position = ProductImage.objects.filter(product=product).count()
    added = ProductImage.objects.create(
        product=product, image=image, alt_text=alt_text, position=position
    )
    if primary or position == 0:
        image_set_primary(image=added)
    product_cache_invalidate(product.pk)
    return added


# --- prices --------------------------------------------------------------------------------


def product_min_price_refresh(*product_ids: int, currency: str = "EUR") -> None:
    """Keep Product.min_price (listing sort/filter) equal to the lowest active variant base price."""
    for product_id in product_ids:
        lowest = Price.objects.filter(
            variant__product_id=product_id,
            variant__is_active=True,
            variant__deleted_at__isnull=True,
            currency=currency,
        ).aggregate(m=Min("amount"))["m"]
        Product.all_objects.filter(pk=product_id).update(min_price=lowest)


@transaction.atomic
def price_set(
    *, variant: ProductVariant, amount: Decimal, currency: str = "EUR"
) -> Price:
    """Set a variant's base price."""
    price, _ = Price.objects.update_or_create(
        variant=variant, currency=currency, defaults={"amount": amount}
    )
    product_min_price_refresh(variant.product_id)
    product_cache_invalidate(variant.product_id)
    return price


@transaction.atomic
def promotion_add(
    *,
    variant: ProductVariant,
    amount: Decimal,
    start: dt.datetime,
    end: dt.datetime | None,
    currency: str = "EUR",
    label: str = "",
) -> PromotionalPrice:
    """Add a promotional price for [start, end); overlapping another one is refused."""
    try:
        with transaction.atomic():
            promotion = PromotionalPrice.objects.create(
                variant=variant,
                amount=amount,
                currency=currency,
                label=label,
                valid_during=DateTimeTZRange(start, end, "[)"),
            )
    except IntegrityError as exc:
        if "catalog_promotion_no_overlap" in str(exc):
            raise PromotionOverlap() from exc
        raise
    product_cache_invalidate(variant.product_id)
    return promotion


@transaction.atomic
def tier_set(
    *,
    variant: ProductVariant,
    min_quantity: int,
    amount: Decimal,
    currency: str = "EUR",
) -> TierPrice:
    """Set the unit price from `min_quantity` units on."""
    tier, _ = TierPrice.objects.update_or_create(
        variant=variant,
        currency=currency,
        min_quantity=min_quantity,
        defaults={"amount": amount},
    )
    product_cache_invalidate(variant.product_id)
    return tier


# --- reviews -------------------------------------------------------------------------------


@transaction.atomic
def review_submit(
    *, product: Product, user, rating: int, title: str = "", body: str = ""
) -> Review:
    """A customer's review; it waits for moderation."""
    try:
        with transaction.atomic():
            return Review.objects.create(
                product=product, user=user, rating=rating, title=title, body=body
            )
    except IntegrityError as exc:
        if "catalog_review_one_per_customer" in str(exc):
            raise ReviewExists() from exc
        raise


@transaction.atomic
def review_moderate(*, review: Review, status: str, actor=None) -> Review:
    """Approve or reject a review."""
    from django.utils import timezone

    review.status = status
    review.moderated_by_id = actor.pk if actor else None
    review.moderated_at = timezone.now()
    review.save(update_fields=["status", "moderated_by_id", "moderated_at"])
    product_cache_invalidate(review.product_id)
    return review


def ratings_refresh() -> None:
    """Recompute approved-review aggregates (readers are not blocked)."""
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY catalog_productrating")

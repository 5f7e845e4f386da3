"""The product page: the product with its variants, prices, images, rating and reviews; old slugs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    OuterRef,
    Prefetch,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    AttributeDefinition,
    Category,
    OptionValue,
    Product,
    ProductImage,
    ProductSlug,
    ProductVariant,
    Review,
)
from .offers import price_changes_after, products_published, variant_price_prefetches

REVIEWS_SHOWN = 10


@dataclass(frozen=True)
class ProductDetail:
    product: Product
    breadcrumbs: list[Category]  # root first, the product's own category last
    variants: list[ProductVariant]
    images: list[ProductImage]
    reviews: list[Review]
    rating_average: Decimal | None
    rating_count: int
    # (label, value, unit) per attribute: labelled by the type's definitions, in their order
    attributes: list[tuple[str, object, str]]
    # When the page stops being true by itself (a promotion starts or ends, publishing ends).
    changes_at: dt.datetime | None


def _rating(product: Product) -> tuple[Decimal | None, int]:
    try:
        rating = product.rating  # the materialized view, refreshed every few minutes
    except Product.rating.RelatedObjectDoesNotExist:
        rating = None
    if rating is not None and rating.count:
        return rating.average, rating.count
    if product.live_review_count:
        return round(Decimal(product.live_review_average), 2), product.live_review_count
    return None, 0


def attribute_rows(
    attributes: dict | None, definitions
) -> list[tuple[str, object, str]]:
    """A product's attributes as (label, value, unit), defined ones first in their order;
    a key without a definition is shown made readable ("battery_hours" → "Battery hours")."""
    attributes = attributes or {}
    rows, shown = [], set()
    for definition in definitions:
        if definition.key in attributes:
            rows.append((definition.label, attributes[definition.key], definition.unit))
            shown.add(definition.key)
    for key, value in attributes.items():
        if key not in shown:
            rows.append((key.replace("_", " ").strip().capitalize() or key, value, ""))
    return rows


def product_detail(slug: str, at: dt.datetime | None = None) -> ProductDetail | None:
    """Everything the product page shows, or None when no published product has `slug`."""
    at = at or timezone.now()
    approved = Review.objects.filter(product=OuterRef("pk"), status="approved")
    variants = (
        ProductVariant.objects.filter(is_active=True)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch(
                "option_values",
                queryset=OptionValue.objects.select_related("option").order_by(
                    "option__position", "option_id", "position", "id"
                ),
            ),
            *variant_price_prefetches(at),
        )
    )
    reviews = (
        Review.objects.filter(status=Review.Status.APPROVED)
        .select_related("user")
        .only(
            "id",
            "product_id",
            "rating",
            "title",
            "body",
            "verified_purchase",
            "created_at",
            "user__id",
            "user__full_name",
        )
        .order_by("-created_at", "-id")
    )
    product = (
        products_published(at)
        .filter(slug=slug)
        .select_related("category", "rating", "product_type")
        .annotate(
            live_review_average=Subquery(
                approved.values("product").annotate(a=Avg("rating")).values("a")
            ),
            live_review_count=Coalesce(
                Subquery(
                    approved.values("product").annotate(n=Count("pk")).values("n")
                ),
                0,
            ),
        )
        .prefetch_related(
            Prefetch("variants", queryset=variants, to_attr="active_variants"),
            Prefetch(
                "images",
                queryset=ProductImage.objects.order_by("-is_primary", "position", "id"),
                to_attr="ordered_images",
            ),
            Prefetch(
                "reviews",
                queryset=reviews[:REVIEWS_SHOWN],
                to_attr="latest_reviews",
            ),
            Prefetch(
                "product_type__attribute_definitions",
                queryset=AttributeDefinition.objects.order_by("position", "id"),
            ),
        )
        .first()
    )
    if product is None:
        return None
    category = product.category
    ancestors = sorted(
        Category.objects.filter(pk__in=category.ancestor_ids), key=lambda c: c.depth
    )
    average, count = _rating(product)
    changes = [
        m
        for m in (
            price_changes_after(product.active_variants, at),
            product.publish_until,
        )
        if m is not None
    ]
    return ProductDetail(
        product=product,
        breadcrumbs=[*ancestors, category],
        variants=product.active_variants,
        images=product.ordered_images,
        reviews=product.latest_reviews,
        rating_average=average,
        rating_count=count,
        attributes=attribute_rows(
            product.attributes, product.product_type.attribute_definitions.all()
        ),
        changes_at=min(changes, default=None),
    )


def product_current_slug(old_slug: str, at: dt.datetime | None = None) -> str | None:
    """The current slug of a published product that used to be at `old_slug`."""
    product_ids = ProductSlug.objects.filter(slug=old_slug).values("product_id")
    return (
        products_published(at)
        .filter(pk__in=product_ids)
        .values_list("slug", flat=True)
        .first()
    )

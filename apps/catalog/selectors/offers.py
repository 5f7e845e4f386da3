"""Which products a customer may see, and what a listing card shows: the offer, its price
prefetches and when the price next changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from ..models import (
    Price,
    Product,
    ProductImage,
    ProductVariant,
    PromotionalPrice,
    TierPrice,
)
from ..pricing import Quote, prefetched, price_for


def products_published(at: dt.datetime | None = None) -> QuerySet[Product]:
    """Products a customer may see at `at`: active, alive, inside their publish window."""
    at = at or timezone.now()
    return Product.objects.filter(
        Q(publish_from__isnull=True) | Q(publish_from__lte=at),
        Q(publish_until__isnull=True) | Q(publish_until__gt=at),
        status=Product.Status.ACTIVE,
    )


def _promotions_not_over(at: dt.datetime, currency: str) -> QuerySet[PromotionalPrice]:
    # Future promotions too: they tell a cached fragment when it stops being true.
    return PromotionalPrice.objects.filter(
        Q(valid_during__endswith__gt=at) | Q(valid_during__upper_inf=True),
        currency=currency,
    )


def variant_price_prefetches(
    at: dt.datetime, currency: str = "EUR", *, as_lists: bool = False
) -> list[Prefetch]:
    """What `price_for` needs, prefetched for many variants at once (`as_lists`: as
    `prefetched_<name>` lists, read through `pricing.prefetched`)."""

    def to(name: str) -> str | None:
        return f"prefetched_{name}" if as_lists else None

    return [
        Prefetch(
            "prices",
            queryset=Price.objects.filter(currency=currency),
            to_attr=to("prices"),
        ),
        Prefetch(
            "promotions",
            queryset=_promotions_not_over(at, currency),
            to_attr=to("promotions"),
        ),
        Prefetch(
            "tiers",
            # Explicit order: the model's ("variant", ...) ordering would join two tables.
            queryset=TierPrice.objects.filter(currency=currency).order_by(
                "min_quantity"
            ),
            to_attr=to("tiers"),
        ),
    ]


def card_prefetches(at: dt.datetime, currency: str = "EUR") -> list[Prefetch]:
    """Active variants with their price data and the primary image, for product cards."""
    variants = (
        ProductVariant.objects.filter(is_active=True)
        .order_by("position", "id")
        .prefetch_related(*variant_price_prefetches(at, currency, as_lists=True))
    )
    return [
        Prefetch("variants", queryset=variants, to_attr="active_variants"),
        Prefetch(
            "images",
            queryset=ProductImage.objects.filter(is_primary=True).order_by("id"),
            to_attr="primary_images",
        ),
    ]


@dataclass(frozen=True)
class Offer:
    """The lowest current unit price of a product (a card's "from" price)."""

    quote: Quote
    variant: ProductVariant
    several_prices: bool

    @property
    def promoted(self) -> bool:
        return self.quote.unit < self.quote.base


def product_offer(product: Product, at: dt.datetime) -> Offer | None:
    """The cheapest active variant's price at `at` (needs `card_prefetches`)."""
    quotes = [
        (quote, variant)
        for variant in product.active_variants
        if (quote := price_for(variant, 1, at)) is not None
    ]
    if not quotes:
        return None
    quote, variant = min(quotes, key=lambda qv: (qv[0].unit, qv[1].position))
    return Offer(
        quote=quote,
        variant=variant,
        several_prices=len({q.unit for q, _ in quotes}) > 1,
    )


def price_changes_after(variants, at: dt.datetime) -> dt.datetime | None:
    """The next moment a promotion of these variants starts or ends (prefetched data)."""
    moments = []
    for variant in variants:
        promotions = prefetched(variant, "promotions")
        for promotion in variant.promotions.all() if promotions is None else promotions:
            for edge in (promotion.valid_during.lower, promotion.valid_during.upper):
                if edge is not None and edge > at:
                    moments.append(edge)
    return min(moments, default=None)

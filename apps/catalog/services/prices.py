"""Prices of variants: base price per currency, promotions in a time window, quantity tiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.fields.ranges import DateTimeTZRange
from django.db import transaction
from django.db.models import Min

from apps.auditing.dberrors import constraint_errors

from ..cache import product_cache_invalidate
from ..errors import PriceExists, PromotionOverlap, TierExists
from ..models import Price, Product, ProductVariant, PromotionalPrice, TierPrice
from ._common import by

if TYPE_CHECKING:
    from apps.accounts.models import User

PRICE_ERRORS = {"catalog_price_one_per_currency": PriceExists}
PROMOTION_ERRORS = {"catalog_promotion_no_overlap": PromotionOverlap}
TIER_ERRORS = {"catalog_tier_unique": TierExists}


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


def _price_changed(product_id: int) -> None:
    product_min_price_refresh(product_id)
    product_cache_invalidate(product_id)


@transaction.atomic
def price_set(
    *,
    variant: ProductVariant,
    amount: Decimal,
    currency: str = "EUR",
    actor: User | None = None,
) -> Price:
    """Set a variant's base price in a currency (added, or changed if it has one)."""
    price, _ = Price.objects.update_or_create(
        variant=variant, currency=currency, defaults={"amount": amount}
    )
    _price_changed(variant.product_id)
    return price


@transaction.atomic
def price_update(
    *, price: Price, amount: Decimal, currency: str, actor: User | None = None
) -> Price:
    """Change a base price, its currency too (one price per currency and variant)."""
    price.amount, price.currency = amount, currency
    with constraint_errors(PRICE_ERRORS):
        by(price, actor).save(update_fields=["amount", "currency"])
    _price_changed(price.variant.product_id)
    return price


@transaction.atomic
def price_delete(*, price: Price, actor: User | None = None) -> None:
    """Remove a base price."""
    product_id = price.variant.product_id
    by(price, actor).delete()
    _price_changed(product_id)


def _window(start: dt.datetime, end: dt.datetime | None) -> DateTimeTZRange:
    return DateTimeTZRange(start, end, "[)")


@transaction.atomic
def promotion_add(
    *,
    variant: ProductVariant,
    amount: Decimal,
    start: dt.datetime,
    end: dt.datetime | None,
    currency: str = "EUR",
    label: str = "",
    actor: User | None = None,
) -> PromotionalPrice:
    """Add a promotional price for [start, end); overlapping another one is refused."""
    promotion = PromotionalPrice(
        variant=variant,
        amount=amount,
        currency=currency,
        label=label,
        valid_during=_window(start, end),
    )
    with constraint_errors(PROMOTION_ERRORS):
        by(promotion, actor).save()
    product_cache_invalidate(variant.product_id)
    return promotion


@transaction.atomic
def promotion_update(
    *,
    promotion: PromotionalPrice,
    amount: Decimal,
    start: dt.datetime,
    end: dt.datetime | None,
    currency: str,
    label: str = "",
    actor: User | None = None,
) -> PromotionalPrice:
    """Change a promotion; a window overlapping another promotion is refused."""
    promotion.amount, promotion.currency, promotion.label = amount, currency, label
    promotion.valid_during = _window(start, end)
    with constraint_errors(PROMOTION_ERRORS):
        by(promotion, actor).save(
            update_fields=["amount", "currency", "label", "valid_during"]
        )
    product_cache_invalidate(promotion.variant.product_id)
    return promotion


@transaction.atomic
def promotion_delete(*, promotion: PromotionalPrice, actor: User | None = None) -> None:
    """Remove a promotion."""
    product_id = promotion.variant.product_id
    by(promotion, actor).delete()
    product_cache_invalidate(product_id)


@transaction.atomic
def tier_set(
    *,
    variant: ProductVariant,
    min_quantity: int,
    amount: Decimal,
    currency: str = "EUR",
    actor: User | None = None,
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


@transaction.atomic
def tier_update(
    *,
    tier: TierPrice,
    min_quantity: int,
    amount: Decimal,
    currency: str,
    actor: User | None = None,
) -> TierPrice:
    """Change a tier price; another tier from the same quantity and currency is refused."""
    tier.min_quantity, tier.amount, tier.currency = min_quantity, amount, currency
    with constraint_errors(TIER_ERRORS):
        by(tier, actor).save(update_fields=["min_quantity", "amount", "currency"])
    product_cache_invalidate(tier.variant.product_id)
    return tier


@transaction.atomic
def tier_delete(*, tier: TierPrice, actor: User | None = None) -> None:
    """Remove a tier price."""
    product_id = tier.variant.product_id
    by(tier, actor).delete()
    product_cache_invalidate(product_id)

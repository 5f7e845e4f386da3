"""The one place that decides a price: `price_for(variant, quantity, at)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from .models import Price, ProductVariant, PromotionalPrice, TierPrice

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(amount: Decimal, currency: str) -> str:
    """An amount as a customer reads it: "€1,234.50"."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


@dataclass(frozen=True)
class Quote:
    """A unit price and how it was reached."""

    unit: Decimal
    base: Decimal
    currency: str
    promotion: Decimal | None = None
    tier: Decimal | None = None

    def total(self, quantity: int) -> Decimal:
        return self.unit * quantity


def price_compute(
    *,
    base: Decimal,
    currency: str,
    promotions: Iterable[tuple[dt.datetime | None, dt.datetime | None, Decimal]],
    tiers: Iterable[tuple[int, Decimal]],
    quantity: int,
    at: dt.datetime,
) -> Quote:
    """Unit price: the promotion active at `at` replaces the base; the best tier reached
    by `quantity` applies when lower. Never above the base, never negative."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    promotion = None
    for start, end, amount in promotions:
        if (start is None or start <= at) and (end is None or at < end):
            promotion = amount if promotion is None else min(promotion, amount)
    tier = None
    for min_quantity, amount in tiers:
        if quantity >= min_quantity:
            tier = amount if tier is None else min(tier, amount)
    candidates = [base] + [p for p in (promotion, tier) if p is not None]
    unit = max(Decimal("0.00"), min(candidates))
    return Quote(
        unit=unit, base=base, currency=currency, promotion=promotion, tier=tier
    )


def prefetched(variant: ProductVariant, name: str):
    """A variant's prefetched `prices`, `promotions` or `tiers` (`variant_price_prefetches`:
    the product page, order totals), or None when not loaded."""
    return getattr(variant, "_prefetched_objects_cache", {}).get(name)


def price_for(
    variant: ProductVariant,
    quantity: int = 1,
    at: dt.datetime | None = None,
    currency: str = "EUR",
) -> Quote | None:
    """The price of `quantity` units of `variant` at time `at` (None: no price set).

    Uses prefetched `prices`, `promotions` and `tiers` when the caller loaded them (listing
    pages), else three small indexed queries.
    """
    at = at or timezone.now()
    prices = prefetched(variant, "prices")
    if prices is None:
        prices = Price.objects.filter(variant=variant)
    base = next((p.amount for p in prices if p.currency == currency), None)
    if base is None:
        return None
    promos = prefetched(variant, "promotions")
    if promos is None:
        promos = PromotionalPrice.objects.filter(variant=variant, currency=currency)
    tiers = prefetched(variant, "tiers")
    if tiers is None:
        tiers = TierPrice.objects.filter(variant=variant, currency=currency)
    return price_compute(
        base=base,
        currency=currency,
        promotions=[
            (p.valid_during.lower, p.valid_during.upper, p.amount)
            for p in promos
            if p.currency == currency
        ],
        tiers=[(t.min_quantity, t.amount) for t in tiers if t.currency == currency],
        quantity=quantity,
        at=at,
    )

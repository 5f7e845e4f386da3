"""The one place where an order's money is computed, for the cart page, checkout and placing.

Rounding, stated once: prices are net amounts in cents; a line's tax is its net total times
its rate, rounded half-up to the cent per line; the order's tax is the sum of its lines'
taxes; shipping is not taxed. `subtotal` is the lines at list price, `discount` what
promotions and quantity tiers take off, so `total = subtotal - discount + tax + shipping`,
which the database checks too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from apps.catalog.models import Category, ProductVariant
from apps.catalog.pricing import Quote, price_for
from apps.catalog.selectors.offers import variant_price_prefetches

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal
    tax: Decimal


def line_amounts(quote: Quote, quantity: int, tax_rate: Decimal) -> LineAmounts:
    """List price, savings, net total and tax of `quantity` units at `quote`."""
    unit_price = cents(quote.base)
    line_total = cents(quote.unit) * quantity
    gross = unit_price * quantity
    return LineAmounts(
        unit_price=unit_price,
        discount=gross - line_total,
        line_total=line_total,
        tax=cents(line_total * tax_rate),
    )


def shipping_price(
    *, price: Decimal, free_above: Decimal | None, goods: Decimal
) -> Decimal:
    """The delivery price for goods worth `goods` (net, after discounts)."""
    if free_above is not None and goods >= free_above:
        return ZERO
    return cents(price)


@dataclass
class PricedLine:
    """A cart line as it can be bought now; `problem` says why it cannot, if so."""

    variant_id: int
    quantity: int
    variant: ProductVariant | None = None
    product_name: str = ""
    product_slug: str = ""
    sku: str = ""
    options: str = ""
    available: int = 0
    quote: Quote | None = None
    amounts: LineAmounts | None = None
    tax_rate: Decimal = ZERO
    problem: str = ""

    @property
    def buyable(self) -> bool:
        return not self.problem


@dataclass
class Totals:
    currency: str
    lines: list[PricedLine] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    tax: Decimal = ZERO
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    item_count: int = 0

    @property
    def goods(self) -> Decimal:
        """What the goods cost after discounts, before tax and shipping."""
        return self.subtotal - self.discount

    @property
    def problems(self) -> list[PricedLine]:
        return [line for line in self.lines if line.problem]


def _available(variant_ids: list[int]) -> dict[int, int]:
    """Units each variant can still be reserved, over active warehouses (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.variant_id, sum(s.on_hand - s.reserved) FROM inventory_stock s"
            " JOIN inventory_warehouse w ON w.id = s.warehouse_id"
            " WHERE s.variant_id = ANY(%s) AND w.is_active GROUP BY s.variant_id",
            [variant_ids],
        )
        return {variant_id: int(units) for variant_id, units in cursor.fetchall()}


def _tax_rates(variants: Iterable[ProductVariant]) -> dict[int, Decimal]:
    """Each variant's tax rate: its category's or nearest ancestor's, else the default."""
    default = Decimal(settings.ORDERS_TAX_RATE)
    rates_by_slug = {
        slug: Decimal(rate) for slug, rate in settings.ORDERS_TAX_RATES.items()
    }
    variants = list(variants)
    if not rates_by_slug:
        return {v.pk: default for v in variants}
    paths = {v.pk: v.product.category.path for v in variants}
    ids = {
        int(part)
        for path in paths.values()
        for part in path.strip("/").split("/")
        if part
    }
    slugs = dict(Category.all_objects.filter(pk__in=ids).values_list("pk", "slug"))
    rates = {}
    for variant_id, path in paths.items():
        rate = default
        for part in path.strip("/").split("/"):
            if part and slugs.get(int(part)) in rates_by_slug:
                rate = rates_by_slug[slugs[int(part)]]  # the deepest one wins
        rates[variant_id] = rate
    return rates


def _options(variant: ProductVariant) -> str:
    return " / ".join(value.value for value in variant.option_values.all())


def lines_price(
    items: Mapping[int, int],
    *,
    at: dt.datetime | None = None,
    currency: str | None = None,
) -> list[PricedLine]:
    """Price every (variant id → quantity) now, flagging what cannot be bought as asked.

    A constant number of queries, whatever the number of lines.
    """
    at = at or timezone.now()
    currency = currency or settings.ORDERS_CURRENCY
    ids = sorted(items)
    if not ids:
        return []
    variants = {
        v.pk: v
        for v in ProductVariant.objects.filter(pk__in=ids)
        .select_related("product", "product__category")
        .prefetch_related(
            *variant_price_prefetches(at, currency),
            Prefetch("option_values"),
        )
    }
    available = _available(ids)
    rates = _tax_rates(variants.values())
    lines = []
    for variant_id in ids:
        quantity = items[variant_id]
        line = PricedLine(variant_id=variant_id, quantity=quantity)
        lines.append(line)
        variant = variants.get(variant_id)
        if variant is None:
            line.problem = "This item is no longer sold."
            continue
        line.variant = variant
        line.product_name = variant.product.name
        line.product_slug = variant.product.slug
        line.sku = variant.sku
        line.options = _options(variant)
        line.available = available.get(variant_id, 0)
        line.tax_rate = rates[variant_id]
        if not (variant.is_active and variant.product.is_published(at)):
            line.problem = "This item is no longer sold."
            continue
        line.quote = price_for(variant, quantity, at, currency)
        if line.quote is None:
            line.problem = "This item has no price at the moment."
            continue
        line.amounts = line_amounts(line.quote, quantity, line.tax_rate)
        if line.available <= 0:
            line.problem = "Out of stock."
        elif line.available < quantity:
            line.problem = f"Only {line.available} left in stock."
    return lines


def totals_compute(
    lines: list[PricedLine], *, currency: str, shipping: Decimal = ZERO
) -> Totals:
    """Add the priced lines up (lines with a problem count for nothing)."""
    totals = Totals(currency=currency, lines=lines, shipping=shipping)
    for line in lines:
        if line.amounts is None:
            continue
        totals.subtotal += line.amounts.unit_price * line.quantity
        totals.discount += line.amounts.discount
        totals.tax += line.amounts.tax
        totals.item_count += line.quantity
    totals.total = totals.subtotal - totals.discount + totals.tax + totals.shipping
    return totals

"""Which products a customer may see, what a listing card shows of one (read as plain rows),
the price prefetches of a product page and when a price next changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from ..models import (
    Price,
    Product,
    PromotionalPrice,
    TierPrice,
)
from ..pricing import Quote, price_compute


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


def variant_price_prefetches(at: dt.datetime, currency: str = "EUR") -> list[Prefetch]:
    """What `price_for` needs, prefetched for many variants at once."""
    return [
        Prefetch(
            "prices",
            queryset=Price.objects.filter(currency=currency),
        ),
        Prefetch(
            "promotions",
            queryset=_promotions_not_over(at, currency),
        ),
        Prefetch(
            "tiers",
            # Explicit order: the model's ("variant", ...) ordering would join two tables.
            queryset=TierPrice.objects.filter(currency=currency).order_by(
                "min_quantity"
            ),
        ),
    ]


# What a card shows of a product: these columns, its primary image, its cheapest price.
CARD_COLUMNS = ("id", "name", "slug", "brand", "in_stock", "publish_until")

# Per product: its primary image, and each priced, active variant with its promotions that
# are not over (future ones too: they tell a cached card when it stops being true). One row
# per variant and promotion; a product without a priced variant comes once, its variant
# columns NULL, a variant without a promotion once, its promotion columns NULL. Tiers are
# not read: they start at 2 units (catalog_tier_min_quantity_gte_2), a card prices 1.
CARD_FACTS = """
SELECT pr.id, i.image, i.alt_text, v.id, v.position, p.amount, pp.valid_during, pp.amount
  FROM unnest(%(ids)s::bigint[]) AS pr (id)
  LEFT JOIN LATERAL (
       SELECT image, alt_text FROM catalog_productimage
        WHERE product_id = pr.id AND is_primary AND deleted_at IS NULL
        ORDER BY id LIMIT 1) AS i ON true
  LEFT JOIN (catalog_productvariant v
             JOIN catalog_price p ON p.variant_id = v.id AND p.currency = %(currency)s)
    ON v.product_id = pr.id AND v.is_active AND v.deleted_at IS NULL
  LEFT JOIN catalog_promotionalprice pp
    ON pp.variant_id = v.id AND pp.currency = %(currency)s
   AND (upper_inf(pp.valid_during) OR upper(pp.valid_during) > %(at)s)
"""


@dataclass(frozen=True, slots=True)
class ProductCard:
    """A product as a listing card shows it, read as plain rows: building a page of cards
    from model instances (product, variants, prices, promotions, images) cost several times
    its queries."""

    id: int
    name: str
    slug: str
    brand: str
    in_stock: bool
    image: str  # the primary image's name in storage; "" when there is none
    image_alt: str
    # The cheapest active variant's price of one unit; None: no price.
    quote: Quote | None
    several_prices: bool  # the variants do not all cost the same ("from")
    # When a promotion starts or ends, or publication ends.
    changes_at: dt.datetime | None

    @property
    def promoted(self) -> bool:
        return self.quote is not None and self.quote.unit < self.quote.base


@dataclass
class _Facts:
    image: str = ""
    image_alt: str = ""
    # variant id: (position, base price, [(start, end, promotional price)])
    variants: dict[int, tuple[int, Decimal, list]] = field(default_factory=dict)


def _card_facts(ids: list[int], at: dt.datetime, currency: str) -> dict[int, _Facts]:
    facts: dict[int, _Facts] = {}
    with connection.cursor() as cursor:
        cursor.execute(CARD_FACTS, {"ids": ids, "at": at, "currency": currency})
        for pk, image, alt, variant_id, position, base, window, amount in cursor:
            found = facts.get(pk)
            if found is None:
                found = facts[pk] = _Facts(image=image or "", image_alt=alt or "")
            if variant_id is None:
                continue
            variant = found.variants.setdefault(variant_id, (position, base, []))
            if window is not None:
                variant[2].append((window.lower, window.upper, amount))
    return facts


def product_cards_read(
    rows: list[dict], at: dt.datetime, currency: str = "EUR"
) -> list[ProductCard]:
    """Cards for product rows (`CARD_COLUMNS` of each, in the order to show them), in one
    query whatever their number: primary images, variants, prices and promotions."""
    if not rows:
        return []
    facts = _card_facts([row["id"] for row in rows], at, currency)
    cards = []
    for row in rows:
        found = facts.get(row["id"]) or _Facts()
        offers = []
        changes = [row["publish_until"]] if row["publish_until"] else []
        for variant_id, (position, base, promotions) in found.variants.items():
            quote = price_compute(
                base=base,
                currency=currency,
                promotions=promotions,
                tiers=(),
                quantity=1,
                at=at,
            )
            # the cheapest; of equal ones, the first in the variants' order
            offers.append((quote.unit, position, variant_id, quote))
            changes += _edges_after(promotions, at)
        cheapest = min(offers, key=lambda offer: offer[:3], default=None)
        cards.append(
            ProductCard(
                id=row["id"],
                name=row["name"],
                slug=row["slug"],
                brand=row["brand"],
                in_stock=row["in_stock"],
                image=found.image,
                image_alt=found.image_alt or row["name"],
                quote=cheapest[3] if cheapest else None,
                several_prices=len({offer[0] for offer in offers}) > 1,
                changes_at=min(changes, default=None),
            )
        )
    return cards


def _edges_after(windows, at: dt.datetime) -> list[dt.datetime]:
    """The starts and ends of these (start, end, ...) windows that come after `at`: when a
    price shown at `at` stops being true."""
    return [
        edge
        for window in windows
        for edge in window[:2]
        if edge is not None and edge > at
    ]


def price_changes_after(variants, at: dt.datetime) -> dt.datetime | None:
    """The next moment a promotion of these variants starts or ends (prefetched data)."""
    windows = (
        (promotion.valid_during.lower, promotion.valid_during.upper)
        for variant in variants
        for promotion in variant.promotions.all()
    )
    return min(_edges_after(windows, at), default=None)

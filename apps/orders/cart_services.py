"""The cart's use cases: what may go in and how much, the merge at sign-in, the review page.

Kept apart from `services.py` (orders and checkout, in the database): these write to Redis
only, through `cart.py`.

The price a customer is warned about is the price of one unit, as the product page shows it
(promotions included, quantity tiers not): a tier reached by changing the quantity is not a
price change, a promotion ending is.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.catalog.pricing import price_for

from . import cart
from .errors import CartLineInvalid, CartUnavailable
from .totals import PricedLine, Totals, cents, lines_price, totals_compute
from .totals import _available as units_available

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceChange:
    was: Decimal
    now: Decimal


@dataclass
class CartReview:
    totals: Totals
    price_changes: dict[int, PriceChange] = field(default_factory=dict)

    @property
    def lines(self) -> list[PricedLine]:
        return self.totals.lines

    @property
    def rows(self) -> list[tuple[PricedLine, PriceChange | None]]:
        return [(line, self.price_changes.get(line.variant_id)) for line in self.lines]

    @property
    def checkout_ready(self) -> bool:
        return bool(self.lines) and not self.totals.problems


def _unit_price(line: PricedLine, at: dt.datetime, currency: str) -> Decimal | None:
    if line.variant is None or line.quote is None:
        return None
    quote = price_for(line.variant, 1, at, currency)  # prefetched: no query
    return cents(quote.unit) if quote else None


def _buyable_line(variant_id: int, quantity: int, at: dt.datetime) -> PricedLine:
    """The variant priced now, or CartLineInvalid saying why it cannot go in a cart."""
    (line,) = lines_price({variant_id: quantity}, at=at)
    if line.variant is None or line.quote is None:
        raise CartLineInvalid(line.problem, variant_id=variant_id)
    if line.available <= 0:
        raise CartLineInvalid("This item is out of stock.", variant_id=variant_id)
    return line


def _refusal(status: int, held: int, line: PricedLine) -> CartLineInvalid:
    if status == cart.TOO_MANY_LINES:
        maximum = settings.ORDERS_CART_MAX_LINES
        message = f"Your cart can hold at most {maximum} different items."
    elif status == cart.NOT_IN_CART:
        message = "This item is not in your cart."
    elif line.available < settings.ORDERS_MAX_ITEMS:
        message = f"Only {line.available} left in stock (your cart holds {held})."
    else:
        message = (
            f"You can have at most {settings.ORDERS_MAX_ITEMS} of an item in your cart."
        )
    return CartLineInvalid(message, variant_id=line.variant_id)


def cart_line_add(*, key: str, variant_id: int, quantity: int) -> int:
    """Add units of a variant on sale and in stock; the quantity the line holds now."""
    at = timezone.now()
    line = _buyable_line(variant_id, quantity, at)
    status, held = cart.cart_add(
        key=key,
        variant_id=variant_id,
        quantity=quantity,
        max_quantity=line.available,
        seen_price=_unit_price(line, at, settings.ORDERS_CURRENCY),
    )
    if status != cart.OK:
        raise _refusal(status, held, line)
    return held


def cart_line_set(*, key: str, variant_id: int, quantity: int) -> int:
    """Change the quantity of a line in the cart, within stock and the caps."""
    at = timezone.now()
    line = _buyable_line(variant_id, quantity, at)
    status, held = cart.cart_set(
        key=key,
        variant_id=variant_id,
        quantity=quantity,
        max_quantity=line.available,
        seen_price=_unit_price(line, at, settings.ORDERS_CURRENCY),
    )
    if status != cart.OK:
        raise _refusal(status, held, line)
    return held


def cart_line_remove(*, key: str, variant_id: int) -> None:
    """Take a line out of the cart."""
    if not cart.cart_remove(key=key, variant_id=variant_id):
        raise CartLineInvalid("This item is not in your cart.", variant_id=variant_id)


def cart_merge_at_sign_in(*, request, user) -> tuple[int, int]:
    """Move the guest's cart into the customer's, each line capped by stock; the guest
    cart is deleted. (lines merged, lines reduced). With Redis down, signing in still
    works: the guest cart is left as it is."""
    token = request.session.get(cart.SESSION_FIELD)
    if token is None:
        return 0, 0
    source = cart.guest_cart_key(token)
    try:
        items = cart.cart_items(source)
        available = units_available(sorted(items)) if items else {}
        result = cart.cart_merge(
            source=source,
            target=cart.user_cart_key(user.pk),
            caps={v: available.get(v, 0) for v in items},
        )
    except CartUnavailable:
        log.warning("guest cart not merged at sign-in: Redis unavailable")
        return 0, 0
    del request.session[cart.SESSION_FIELD]
    return result


def cart_review(key: str | None) -> CartReview:
    """Every line priced now, the totals, and the unit prices changed since last shown
    (which count as shown from now on)."""
    currency = settings.ORDERS_CURRENCY
    items, seen = cart.cart_contents(key) if key else ({}, {})
    at = timezone.now()
    lines = lines_price(items, at=at, currency=currency)
    review = CartReview(totals=totals_compute(lines, currency=currency))
    shown = {}
    for line in lines:
        now = _unit_price(line, at, currency)
        if now is None:
            continue
        was = seen.get(line.variant_id)
        if was != now:
            shown[line.variant_id] = now
            if was is not None:
                review.price_changes[line.variant_id] = PriceChange(was=was, now=now)
    if shown:
        cart.cart_seen_update(key=key, prices=shown)
    return review

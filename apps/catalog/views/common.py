"""What the storefront pages share: query parameters, listing cards, fragment cache entries."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse

from .. import selectors
from ..pricing import money

# A fragment is also dropped after this long, so changes made outside the services
# (a raw UPDATE, a soft delete from a shell) show up without a deploy.
PRODUCT_MAX_AGE = 15 * 60
LISTING_MAX_AGE = 5 * 60
MAX_PRICE = Decimal("9999999999.99")
MAX_PAGE = 100_000
MAX_OPTIONS = 20
MAX_DEPTH = 20  # category levels in a URL
CATEGORY_SORTS = {
    "newest": "Newest",
    "price": "Price: low to high",
    "-price": "Price: high to low",
}
SEARCH_SORTS = {"relevance": "Best match", **CATEGORY_SORTS}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no", ""}


def per_page(request) -> int:
    """Products per listing page: the customer's preference, else the shop's setting."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        chosen = user.preferences.get("items_per_page")
        if chosen is not None:
            return chosen
    return int(getattr(settings, "CATALOG_PER_PAGE", 24))


# --- query parameters ----------------------------------------------------------------------


@dataclass
class ListingParams:
    """Filters, sort and page from the query string; what could not be used is in `notes`."""

    sorts: dict[str, str]
    query: str = ""
    category_id: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    option_value_ids: tuple[int, ...] = ()
    sort: str = "newest"
    page: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def default_sort(self) -> str:
        return next(iter(self.sorts))

    def pairs(self, **changes) -> list[tuple[str, str]]:
        values = {
            "q": self.query,
            "category": self.category_id,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "in_stock": 1 if self.in_stock else None,
            "sort": None if self.sort == self.default_sort else self.sort,
            "page": None,
            **changes,
        }
        pairs = [
            (k, str(v))
            for k, v in values.items()
            if v not in (None, "") and k != "page"
        ]
        pairs += [("option", str(pk)) for pk in self.option_value_ids]
        if values["page"] and values["page"] != 1:
            pairs.append(("page", str(values["page"])))
        return pairs

    def querystring(self, **changes) -> str:
        pairs = self.pairs(**changes)
        return "?" + urlencode(pairs) if pairs else "?"

    def cache_part(self, size: int) -> str:
        return "|".join(
            [
                f"n{size}",
                f"p{self.page}",
                f"s{self.sort}",
                f"lo{self.min_price or ''}",
                f"hi{self.max_price or ''}",
                f"st{int(bool(self.in_stock))}",
                "o" + ".".join(map(str, self.option_value_ids)),
            ]
        )


def _positive_int(raw: str) -> int | None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value > 0 else None


def _price(raw: str | None, label: str, notes: list[str]) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > MAX_PRICE:
        notes.append(f"The {label} “{raw[:20]}” is not an amount; it was ignored.")
        return None
    return value.quantize(Decimal("0.01"))


def listing_params(get, *, search: bool) -> ListingParams:
    """Read filters from a query string; bad values are ignored with a note, never an error."""
    params = ListingParams(sorts=SEARCH_SORTS if search else CATEGORY_SORTS)
    notes = params.notes
    if search:
        params.query = selectors.clean_query(get.get("q", ""))
        raw = get.get("category", "").strip()
        if raw:
            params.category_id = _positive_int(raw)
            if params.category_id is None:
                notes.append("That category filter is not valid; it was ignored.")
    params.min_price = _price(get.get("min_price"), "lowest price", notes)
    params.max_price = _price(get.get("max_price"), "highest price", notes)
    if params.min_price is not None and params.max_price is not None:
        if params.min_price > params.max_price:
            params.min_price, params.max_price = params.max_price, params.min_price
            notes.append("The lowest and highest prices were swapped.")
    raw = get.get("in_stock", "").strip().lower()
    if raw in _TRUE:
        params.in_stock = True
    elif raw not in _FALSE:
        notes.append("The in-stock filter is not valid; it was ignored.")
    option_ids = []
    for raw in get.getlist("option")[: MAX_OPTIONS * 2]:
        value = _positive_int(raw)
        if value is None:
            notes.append("An option filter is not valid; it was ignored.")
        elif value not in option_ids:
            option_ids.append(value)
    params.option_value_ids = tuple(sorted(option_ids[:MAX_OPTIONS]))
    raw = get.get("sort", "").strip()
    params.sort = raw if raw in params.sorts else params.default_sort
    if raw and raw not in params.sorts:
        notes.append("That sort order is not known; the default order is used.")
    raw = get.get("page", "").strip()
    if raw:
        page = _positive_int(raw)
        if page is None:
            notes.append("That page number is not valid; showing the first page.")
        params.page = min(page or 1, MAX_PAGE)
    return params


# --- cards and fragments -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    name: str
    brand: str
    in_stock: bool
    url: str
    image_url: str | None
    image_alt: str
    price: str | None
    base_price: str | None  # shown struck through when a promotion is on
    from_price: bool


def product_url(slug: str) -> str:
    return reverse("catalog:product", kwargs={"slug": slug})


def category_url(path: str) -> str:
    return reverse("catalog:category", kwargs={"slugs": path})


def product_cards(products: list[selectors.ProductCard]) -> list[Card]:
    # One reverse() for the page: the URL of slug "0" split around it (a slug is
    # [-a-zA-Z0-9_], nothing reverse() would quote).
    head, _, tail = product_url("0").rpartition("0")
    cards = []
    for product in products:
        quote = product.quote
        cards.append(
            Card(
                name=product.name,
                brand=product.brand,
                in_stock=product.in_stock,
                url=f"{head}{product.slug}{tail}",
                image_url=default_storage.url(product.image) if product.image else None,
                image_alt=product.image_alt,
                price=money(quote.unit, quote.currency) if quote else None,
                base_price=money(quote.base, quote.currency)
                if product.promoted and quote
                else None,
                from_price=product.several_prices,
            )
        )
    return cards


def _changes_at(products: list[selectors.ProductCard]) -> dt.datetime | None:
    return min((p.changes_at for p in products if p.changes_at), default=None)


def _expires(changes_at: dt.datetime | None, max_age: int) -> float:
    limit = time.time() + max_age
    return min(limit, changes_at.timestamp()) if changes_at else limit


def _fresh(entry) -> dict | None:
    if isinstance(entry, dict) and entry.get("expires", 0) > time.time():
        return entry
    return None


def _anonymous(request) -> bool:
    """No session and no pending messages: every such visitor gets the very same page."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )

"""Storefront pages: home, category listings, search, the product page.

Product and listing fragments are rendered without the request (nothing per user in them) and
cached in Redis under versioned keys; when Redis is down every page renders from the database.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from . import cache as fragment_cache
from . import selectors
from .models import Category, Product, ProductVariant
from .pricing import Quote, price_for

# A fragment is also dropped after this long, so changes made outside the services
# (a raw UPDATE, a soft delete from a shell) show up without a deploy.
PRODUCT_MAX_AGE = 15 * 60
LISTING_MAX_AGE = 5 * 60
MAX_PRICE = Decimal("9999999999.99")
MAX_PAGE = 100_000
MAX_OPTIONS = 20
MAX_DEPTH = 20  # category levels in a URL
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
CATEGORY_SORTS = {
    "newest": "Newest",
    "price": "Price: low to high",
    "-price": "Price: high to low",
}
SEARCH_SORTS = {"relevance": "Best match", **CATEGORY_SORTS}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no", ""}


def per_page() -> int:
    return int(getattr(settings, "CATALOG_PER_PAGE", 24))


def money(amount: Decimal, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


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


@dataclass(frozen=True)
class Card:
    product: Product
    url: str
    image_url: str | None
    image_alt: str
    price: str | None
    base_price: str | None  # shown struck through when a promotion is on
    from_price: bool


def product_url(product: Product) -> str:
    return reverse("catalog:product", kwargs={"slug": product.slug})


def category_url(path: str) -> str:
    return reverse("catalog:category", kwargs={"slugs": path})


def product_cards(products, at: dt.datetime) -> list[Card]:
    cards = []
    for product in products:
        offer = selectors.product_offer(product, at)
        image = product.primary_images[0] if product.primary_images else None
        quote = offer.quote if offer else None
        cards.append(
            Card(
                product=product,
                url=product_url(product),
                image_url=image.image.url if image else None,
                image_alt=(image.alt_text if image else "") or product.name,
                price=money(quote.unit, quote.currency) if quote else None,
                base_price=money(quote.base, quote.currency)
                if offer and offer.promoted
                else None,
                from_price=bool(offer and offer.several_prices),
            )
        )
    return cards


def _changes_at(products, at: dt.datetime) -> dt.datetime | None:
    moments = [selectors.price_changes_after(p.active_variants, at) for p in products]
    moments += [p.publish_until for p in products]
    return min((m for m in moments if m is not None), default=None)


def _expires(changes_at: dt.datetime | None, max_age: int) -> float:
    limit = time.time() + max_age
    return min(limit, changes_at.timestamp()) if changes_at else limit


def _fresh(entry) -> dict | None:
    if isinstance(entry, dict) and entry.get("expires", 0) > time.time():
        return entry
    return None


def _slug_key(slug: str) -> str:
    return f"catalog:slug:{slug}"


# --- home ----------------------------------------------------------------------------------


def storefront_home(request):
    """Featured categories, featured products and what is new."""
    key = fragment_cache.listing_key("home")
    entry = _fresh(fragment_cache.get(key))
    if entry is None:
        at = timezone.now()
        content = selectors.home_content(at)
        products = [*content.featured_products, *content.newest_products]
        html = render_to_string(
            "catalog/_home.html",
            {
                "categories": [
                    (c, category_url(content.category_paths[c.pk]))
                    for c in content.featured_categories
                ],
                "featured": product_cards(content.featured_products, at),
                "newest": product_cards(content.newest_products, at),
            },
        )
        entry = {
            "html": html,
            "expires": _expires(_changes_at(products, at), LISTING_MAX_AGE),
        }
        fragment_cache.put(key, entry)
    return render(request, "home.html", {"fragment": mark_safe(entry["html"])})


# --- category ------------------------------------------------------------------------------


def _listing_context(page, params: ListingParams, at: dt.datetime, **extra) -> dict:
    chosen = set(params.option_value_ids)
    options: dict[str, list] = {}
    for value in page.facets:
        options.setdefault(value.option.name, []).append((value, value.pk in chosen))
    return {
        "page": page,
        "cards": product_cards(page.products, at),
        "params": params,
        "sorts": params.sorts.items(),
        "facets": options.items(),
        "pages": [
            (number, params.querystring(page=number))
            for number in range(
                max(1, page.number - 3), min(page.num_pages, page.number + 3) + 1
            )
        ],
        "previous_qs": params.querystring(page=page.number - 1),
        "next_qs": params.querystring(page=page.number + 1),
        **extra,
    }


def _page_notes(page, params: ListingParams) -> list[str]:
    notes = []
    if page.clamped and page.total:
        notes.append(
            f"There is no page {params.page}; this is the last page ({page.number})."
        )
    known = {v.pk for v in page.option_values}
    if set(params.option_value_ids) - known:
        notes.append("An option filter does not exist any more; it was ignored.")
    return notes


def category(request, slugs: str):
    """A category's products, including those of all its subcategories."""
    parts = slugs.strip("/").split("/")
    if len(parts) > MAX_DEPTH or not all(_SLUG.match(part) for part in parts):
        raise Http404("No such category.")
    page_key = None
    if _anonymous(request):
        query = "&".join(
            sorted(f"{k}={v}" for k, values in request.GET.lists() for v in values)
        )
        page_key = fragment_cache.listing_key(
            f"page:category:{per_page()}:{'/'.join(parts)}?{query}"
        )
        cached = _fresh(fragment_cache.get(page_key))
        if cached is not None:
            return HttpResponse(
                cached["page"]
            )  # no query at all: the listing version decides
    response = _category_page(request, parts)
    if (
        page_key is not None
        and response.status_code == 200
        and getattr(response, "cacheable", False)
    ):
        fragment_cache.put(
            page_key, {"page": response.content.decode(), "expires": response.expires}
        )
    return response


def _category_page(request, parts: list[str]):
    found = selectors.category_by_slugs(parts)
    if found is None:
        raise Http404("No such category.")
    node, ancestors = found
    params = listing_params(request.GET, search=False)
    size = per_page()
    key = fragment_cache.listing_key(f"category:{node.pk}:{params.cache_part(size)}")
    entry = _fresh(fragment_cache.get(key))
    if entry is None:
        at = timezone.now()
        page = selectors.category_listing(
            category=node,
            min_price=params.min_price,
            max_price=params.max_price,
            in_stock=params.in_stock,
            option_value_ids=params.option_value_ids,
            sort=params.sort,
            page=params.page,
            per_page=size,
            at=at,
            with_facets=True,
        )
        path = "/".join(parts)
        html = render_to_string(
            "catalog/_listing.html",
            _listing_context(
                page,
                params,
                at,
                action=category_url(path),
                children=[
                    (child, category_url(f"{path}/{child.slug}"))
                    for child in selectors.category_children(node)
                ],
            ),
        )
        entry = {
            "html": html,
            "notes": _page_notes(page, params),
            "expires": _expires(_changes_at(page.products, at), LISTING_MAX_AGE),
        }
        if not page.clamped:
            fragment_cache.put(key, entry)
        else:
            entry["clamped"] = True
    crumbs = [
        (c, category_url("/".join(parts[: i + 1]))) for i, c in enumerate(ancestors)
    ]
    response = render(
        request,
        "catalog/category.html",
        {
            "category": node,
            "breadcrumbs": crumbs,
            "notes": params.notes + entry["notes"],
            "fragment": mark_safe(entry["html"]),
            "page_title": node.seo_title or node.name,
            "meta_description": node.seo_description
            or Truncator(strip_tags(node.description)).chars(160)
            or f"{node.name} at {settings.SITE_NAME}",
        },
    )
    response.cacheable = not params.notes and "clamped" not in entry
    response.expires = entry["expires"]
    return response


# --- search --------------------------------------------------------------------------------


def _search_key(params: ListingParams, size: int) -> str:
    # The cleaned words as typed (the form shows them back) plus every filter.
    return fragment_cache.listing_key(
        f"search:{params.category_id or ''}:{params.cache_part(size)}:q={params.query}"
    )


def search(request):
    """Search published products by words, with filters, sort and pages."""
    params = listing_params(request.GET, search=True)
    chosen_category = None
    if params.category_id is not None:
        chosen_category = Category.objects.filter(pk=params.category_id).first()
        if chosen_category is None:
            params.notes.append("That category does not exist; it was ignored.")
            params.category_id = None
    size = per_page()
    key = _search_key(params, size)
    entry = _fresh(fragment_cache.get(key))
    if entry is None:
        at = timezone.now()
        page = selectors.product_search(
            query=params.query,
            category=chosen_category,
            min_price=params.min_price,
            max_price=params.max_price,
            in_stock=params.in_stock,
            option_value_ids=params.option_value_ids,
            sort=params.sort,
            page=params.page,
            per_page=size,
            at=at,
            with_facets=True,
        )
        context = _listing_context(
            page,
            params,
            at,
            action=reverse("catalog:search"),
            search=True,
            categories=[
                (c, "\u2003" * c.depth + c.name, c.pk == params.category_id)
                for c in selectors.categories_for_filter()
            ],
        )
        entry = {
            "html": render_to_string("catalog/_listing.html", context),
            "notes": _page_notes(page, params),
            "expires": _expires(_changes_at(page.products, at), LISTING_MAX_AGE),
        }
        if not page.clamped:
            fragment_cache.put(key, entry)
    return render(
        request,
        "catalog/search.html",
        {
            "fragment": mark_safe(entry["html"]),
            "notes": params.notes + entry["notes"],
            "search_query": params.query,
            "page_title": f"Search: {params.query}" if params.query else "All products",
        },
    )


# --- product -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantOffer:
    variant: ProductVariant
    label: str
    quote: Quote | None
    price: str
    base_price: str
    promotion_label: str
    tiers: str


def _variant_label(variant: ProductVariant) -> str:
    values = [value.value for value in variant.option_values.all()]
    return " / ".join(values) or variant.name or variant.sku


def _promotion_label(variant: ProductVariant, quote: Quote, at: dt.datetime) -> str:
    for promotion in variant.promotions.all():
        window = promotion.valid_during
        if (
            promotion.amount == quote.promotion
            and (window.lower is None or window.lower <= at)
            and (window.upper is None or at < window.upper)
        ):
            return promotion.label or "Sale"
    return "Sale"


def variant_offers(variants, at: dt.datetime) -> list[VariantOffer]:
    offers = []
    for variant in variants:
        quote = price_for(variant, 1, at)
        promoted = quote is not None and quote.unit < quote.base
        tiers = []
        if quote is not None:
            for tier in sorted(variant.tiers.all(), key=lambda t: t.min_quantity):
                unit = price_for(variant, tier.min_quantity, at).unit
                if unit < quote.unit:
                    tiers.append(
                        f"{tier.min_quantity}+ at {money(unit, quote.currency)}"
                    )
        offers.append(
            VariantOffer(
                variant=variant,
                label=_variant_label(variant),
                quote=quote,
                price=money(quote.unit, quote.currency) if quote else "",
                base_price=money(quote.base, quote.currency) if promoted else "",
                promotion_label=_promotion_label(variant, quote, at)
                if promoted
                else "",
                tiers=" · ".join(tiers),
            )
        )
    return offers


def _reviewer(review) -> str:
    name = (review.user.full_name or "").split()
    return name[0] if name else "A customer"


def _stars(rating: int) -> str:
    rating = max(0, min(5, rating))
    return "★" * rating + "☆" * (5 - rating)


def _picker_label(variants) -> str:
    first = variants[0].option_values.all() if variants else []
    return " / ".join(value.option.name for value in first) or "Variant"


def _attribute(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _render_product_entry(
    detail: selectors.ProductDetail, variant_id, at
) -> tuple[dict, bool]:
    """The cached part of a product page; also whether the requested variant was found."""
    product = detail.product
    offers = variant_offers(detail.variants, at)
    priced = [o for o in offers if o.quote is not None]
    selected = next((o for o in priced if o.variant.pk == variant_id), None)
    found = selected is not None or variant_id is None
    selected = selected or (priced[0] if priced else None)
    paths = selectors.category_url_paths(detail.breadcrumbs)
    html = render_to_string(
        "catalog/_product_detail.html",
        {
            "product": product,
            "breadcrumbs": [(c, category_url(paths[c.pk])) for c in detail.breadcrumbs],
            "images": detail.images,
            "offers": priced,
            "selected": selected,
            "attributes": [
                (k, _attribute(v)) for k, v in (product.attributes or {}).items()
            ],
            "reviews": [(r, _reviewer(r), _stars(r.rating)) for r in detail.reviews],
            "picker_label": _picker_label(detail.variants),
            "rating_average": detail.rating_average,
            "rating_count": detail.rating_count,
            "stars": _stars(round(detail.rating_average or 0)),
        },
    )
    entry = {
        "slug": product.slug,
        "html": html,
        "title": product.seo_title or product.name,
        "description": product.seo_description
        or Truncator(strip_tags(product.description)).chars(160)
        or " ".join(filter(None, [product.name, product.brand])),
        "expires": _expires(detail.changes_at, PRODUCT_MAX_AGE),
    }
    return entry, found


def product(request, slug: str):
    """A published product; an old slug redirects to the current one."""
    variant_id = _positive_int(request.GET.get("variant", ""))
    part = "detail" if variant_id is None else f"detail:variant={variant_id}"
    product_id = fragment_cache.get(_slug_key(slug))
    version = None
    if product_id is not None:
        entry = _fresh(fragment_cache.product_get(product_id, part))
        if entry is not None and entry["slug"] == slug:
            return _product_response(request, entry, product_id=product_id, part=part)
        version = fragment_cache.product_version(product_id)
    at = timezone.now()
    detail = selectors.product_detail(slug, at)
    if detail is None:
        current = selectors.product_current_slug(slug, at)
        if current is None:
            raise Http404("No such product.")
        query = request.GET.urlencode()
        target = reverse("catalog:product", kwargs={"slug": current})
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    entry, found = _render_product_entry(detail, variant_id, at)
    if found:
        pk = detail.product.pk
        if pk != product_id:  # a new or reused slug: the version was not read before
            version = fragment_cache.product_version(pk)
        fragment_cache.product_put(pk, part, entry, version)
        fragment_cache.put(_slug_key(slug), pk)
        entry = {**entry, "version": version}
        return _product_response(request, entry, product_id=pk, part=part)
    return _product_response(request, entry)


def _anonymous(request) -> bool:
    """No session and no pending messages: every such visitor gets the very same page."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _product_response(
    request, entry: dict, *, product_id: int | None = None, part: str = ""
):
    if product_id is not None and _anonymous(request) and "page" in entry:
        return HttpResponse(entry["page"])  # the whole page, cached with the fragment
    response = render(
        request,
        "catalog/product.html",
        {
            "fragment": mark_safe(entry["html"]),
            "page_title": entry["title"],
            "meta_description": entry["description"],
        },
    )
    if (
        product_id is not None
        and _anonymous(request)
        and entry.get("version") is not None
    ):
        page = response.content.decode()
        fragment_cache.product_put(
            product_id, part, {**entry, "page": page}, entry["version"]
        )
    return response

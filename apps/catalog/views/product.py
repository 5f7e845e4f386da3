"""The product page: variants with their offers, reviews, the cached product fragment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .. import cache as fragment_cache
from .. import selectors
from ..models import ProductVariant
from ..pricing import Quote, price_for
from .common import (
    PRODUCT_MAX_AGE,
    _anonymous,
    _expires,
    _fresh,
    _positive_int,
    category_url,
    money,
)

# The cached HTML is shared by every visitor, so its forms carry this in place of a CSRF
# token, and each response gets the visitor's own token (`_with_csrf_token`). Only template
# markup can hold it: a quote in product text is escaped to &quot;.
CSRF_SLOT = "csrf-token-slot"


def _with_csrf_token(request, html: str) -> str:
    slot = f'value="{CSRF_SLOT}"'
    if slot not in html:
        return html  # no form: no token, no cookie
    return html.replace(slot, f'value="{get_token(request)}"')


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


def _attribute(value, unit: str) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return f"{value} {unit}" if unit else str(value)


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
                (label, _attribute(value, unit))
                for label, value, unit in detail.attributes
            ],
            "reviews": [(r, _reviewer(r), _stars(r.rating)) for r in detail.reviews],
            "picker_label": _picker_label(detail.variants),
            "rating_average": detail.rating_average,
            "rating_count": detail.rating_count,
            "stars": _stars(round(detail.rating_average or 0)),
            "csrf_slot": CSRF_SLOT,
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
    entry = _fresh(fragment_cache.product_get(slug, part))
    if entry is not None:
        return _product_response(request, entry, slug=slug, part=part)
    version = fragment_cache.product_version(slug)
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
        fragment_cache.product_put(slug, part, entry, version)
        entry = {**entry, "version": version}
        return _product_response(request, entry, slug=slug, part=part)
    return _product_response(request, entry)


def _product_response(request, entry: dict, *, slug: str | None = None, part: str = ""):
    if slug is not None and _anonymous(request) and "page" in entry:
        # the whole page, cached with the fragment
        return HttpResponse(_with_csrf_token(request, entry["page"]))
    response = render(
        request,
        "catalog/product.html",
        {
            "fragment": mark_safe(entry["html"]),  # noqa: S308 - rendered by our own escaping templates, then cached
            "page_title": entry["title"],
            "meta_description": entry["description"],
        },
    )
    if slug is not None and _anonymous(request) and entry.get("version") is not None:
        page = response.content.decode()
        fragment_cache.product_put(
            slug, part, {**entry, "page": page}, entry["version"]
        )
    response.content = _with_csrf_token(request, response.content.decode())
    return response

"""Listing pages: the home page, category listings, search."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .. import cache as fragment_cache
from .. import selectors
from ..models import Category
from .common import (
    _SLUG,
    LISTING_MAX_AGE,
    MAX_DEPTH,
    ListingParams,
    _anonymous,
    _changes_at,
    _expires,
    _fresh,
    category_url,
    listing_params,
    per_page,
    product_cards,
)


def storefront_home(request):
    """Featured categories, featured products and what is new."""
    key = fragment_cache.listing_key("home", fragment_cache.HOME)
    entry = _fresh(fragment_cache.get(key))
    if entry is None:
        at = timezone.now()
        content = selectors.home_content(at)
        html = render_to_string(
            "catalog/_home.html",
            {
                "categories": [
                    (c, category_url(content.category_paths[c.pk]))
                    for c in content.featured_categories
                ],
                "featured": product_cards(content.featured_products),
                "newest": product_cards(content.newest_products),
            },
        )
        entry = {
            "html": html,
            "expires": _expires(
                _changes_at([*content.featured_products, *content.newest_products]),
                LISTING_MAX_AGE,
            ),
        }
        fragment_cache.put(key, entry)
    return render(request, "home.html", {"fragment": mark_safe(entry["html"])})  # noqa: S308 - rendered by our own escaping templates, then cached


# --- category ------------------------------------------------------------------------------


def _listing_context(page, params: ListingParams, **extra) -> dict:
    chosen = set(params.option_value_ids)
    options: dict[str, list] = {}
    for value in page.facets:
        options.setdefault(value.option_name, []).append((value, value.pk in chosen))
    return {
        "page": page,
        "cards": product_cards(page.products),
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
    page_part = None
    if _anonymous(request):
        query = "&".join(
            sorted(f"{k}={v}" for k, values in request.GET.lists() for v in values)
        )
        page_part = f"category:{per_page(request)}:{'/'.join(parts)}?{query}"
        cached = _fresh(fragment_cache.category_page_get(page_part))
        if cached is not None:
            return HttpResponse(
                cached["page"]
            )  # no query at all: the category's listing versions decide
    response = _category_page(request, parts)
    if (
        page_part is not None
        and response.status_code == 200
        and getattr(response, "cacheable", False)
    ):
        fragment_cache.category_page_put(
            page_part,
            {"page": response.content.decode(), "expires": response.expires},
            category_id=response.category_id,
            versions=response.listing_versions,
        )
    return response


def _category_page(request, parts: list[str]):
    found = selectors.category_by_slugs(parts)
    if found is None:
        raise Http404("No such category.")
    node, ancestors = found.node, found.ancestors
    params = listing_params(request.GET, search=False)
    size = per_page(request)
    # Versions are read before rendering: a change meanwhile leaves the entries unread.
    scope = fragment_cache.category_scope(node.pk)
    versions = fragment_cache.listing_versions(scope)
    key = fragment_cache.versioned_key(
        scope, versions, f"category:{node.pk}:{params.cache_part(size)}"
    )
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
                action=category_url(path),
                children=[
                    (child, category_url(f"{path}/{child.slug}"))
                    for child in found.children
                ],
            ),
        )
        entry = {
            "html": html,
            "notes": _page_notes(page, params),
            "expires": _expires(_changes_at(page.products), LISTING_MAX_AGE),
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
            "fragment": mark_safe(entry["html"]),  # noqa: S308 - rendered by our own escaping templates, then cached
            "page_title": node.seo_title or node.name,
            "meta_description": node.seo_description
            or Truncator(strip_tags(node.description)).chars(160)
            or f"{node.name} at {settings.SITE_NAME}",
        },
    )
    response.cacheable = not params.notes and "clamped" not in entry
    response.category_id = node.pk
    response.listing_versions = versions
    response.expires = entry["expires"]
    return response


# --- search --------------------------------------------------------------------------------


def _search_key(params: ListingParams, size: int) -> str:
    # The cleaned words as typed (the form shows them back) plus every filter.
    return fragment_cache.listing_key(
        f"search:{params.category_id or ''}:{params.cache_part(size)}:q={params.query}",
        fragment_cache.SEARCH,
    )


def _category_options(chosen: int | None) -> str:
    """The category menu's options, indented by depth (every category: drawn here, a
    template loop cost more than the rest of the form)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (
                pk,
                mark_safe(" selected") if pk == chosen else "",
                "\u2003" * depth + name,
            )
            for pk, name, depth in selectors.categories_for_filter()
        ),
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
    size = per_page(request)
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
            action=reverse("catalog:search"),
            search=True,
            suggestion_qs=params.querystring(q=page.suggestion)
            if page.suggestion
            else "",
            category_options=_category_options(params.category_id),
        )
        entry = {
            "html": render_to_string("catalog/_listing.html", context),
            "notes": _page_notes(page, params),
            "expires": _expires(_changes_at(page.products), LISTING_MAX_AGE),
        }
        if not page.clamped:
            fragment_cache.put(key, entry)
    return render(
        request,
        "catalog/search.html",
        {
            "fragment": mark_safe(entry["html"]),  # noqa: S308 - rendered by our own escaping templates, then cached
            "notes": params.notes + entry["notes"],
            "search_query": params.query,
            "page_title": f"Search: {params.query}" if params.query else "All products",
        },
    )

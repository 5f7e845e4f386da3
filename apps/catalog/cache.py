"""Fragment caching of product pages and listings in Redis, with versioned keys.

A change bumps a version number; old fragments are simply never read again (they expire).
When Redis is down the cache answers None and pages render from the database.

Listings have a version each, under one catalog-wide version: a product's change bumps its
own version, its category's and every ancestor's listing version, the home page's and the
search pages'; listings of other categories stay warm. A change that no product id
expresses (the category tree, options, attribute labels) bumps the catalog-wide version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

TTL = 3600
LISTING_VERSION = "catalog:listing:version"
HOME = "home"
SEARCH = "search"


def _version(key: str) -> int:
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, timeout=None)
        version = cache.get(key) or 1
    return int(version)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)


def _product_version_key(slug: str) -> str:
    return f"catalog:slug:{slug}:version"


def product_get(slug: str, part: str):
    """A product page fragment still at its product's current version, in one round trip.

    Keyed by the slug in the URL, so a request needs no slug-to-id lookup first; the version
    is stored inside the entry (not in the key), so the version and the entry come back
    together (MGET): one round trip on the hot path.
    """
    version_key = _product_version_key(slug)
    entry_key = f"catalog:slug:{slug}:{part}"
    found = cache.get_many([version_key, entry_key])
    entry = found.get(entry_key)
    version = found.get(version_key)
    if version is None or not isinstance(entry, dict):
        return None
    return entry if entry.get("version") == int(version) else None


def product_version(slug: str) -> int:
    """Read before rendering: a change while rendering then leaves the fragment stale-marked."""
    return _version(_product_version_key(slug))


def product_put(slug: str, part: str, entry: dict, version: int) -> None:
    put(f"catalog:slug:{slug}:{part}", {**entry, "version": version})


def _scope_version_key(scope: str) -> str:
    return f"catalog:listing:{scope}:version"


def category_scope(category_id: int) -> str:
    """The listing scope of a category's pages (its products and its descendants')."""
    return f"category:{category_id}"


def listing_versions(scope: str) -> tuple[int, int]:
    """The catalog's and the scope's (HOME, SEARCH or `category_scope(id)`) current listing
    versions, in one round trip."""
    keys = [LISTING_VERSION, _scope_version_key(scope)]
    found = cache.get_many(keys)
    catalog, own = (int(found.get(key) or _version(key)) for key in keys)
    return catalog, own


def versioned_key(scope: str, versions: tuple[int, int], part: str) -> str:
    return f"catalog:listing:v{versions[0]}.{versions[1]}:{scope}:{part}"


def listing_key(part: str, scope: str) -> str:
    """The key of a listing fragment of `scope` at its current versions."""
    return versioned_key(scope, listing_versions(scope), part)


def category_page_get(part: str) -> dict | None:
    """A whole anonymous category page (`part`: its path and query) still at its category's
    listing versions. Keyed by the path (the category is not known before a query), with
    the category and the versions inside: the entry and the catalog's version in one round
    trip, the category's version in a second."""
    entry_key = f"catalog:listing:page:{part}"
    found = cache.get_many([entry_key, LISTING_VERSION])
    entry, catalog = found.get(entry_key), found.get(LISTING_VERSION)
    if not isinstance(entry, dict) or catalog is None:
        return None
    own = cache.get(_scope_version_key(category_scope(entry["category_id"])))
    if own is None or [int(catalog), int(own)] != list(entry["versions"]):
        return None
    return entry


def category_page_put(
    part: str, entry: dict, *, category_id: int, versions: tuple[int, int]
) -> None:
    """Keep a whole category page, built at `versions` (read before rendering)."""
    put(
        f"catalog:listing:page:{part}",
        {**entry, "category_id": category_id, "versions": list(versions)},
    )


def _affected(product_ids, category_ids) -> tuple[set[str], set[str]]:
    """The slugs of these products, and the listings that may show them or products of
    these categories: each category with its ancestors (a category page lists its whole
    subtree), home, search."""
    from .models import Category, Product

    rows = list(
        Product.all_objects.filter(pk__in=product_ids).values_list(
            "slug", "category__path"
        )
    )
    paths = [path for _, path in rows]
    if category_ids:
        paths += Category.all_objects.filter(pk__in=category_ids).values_list(
            "path", flat=True
        )
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    scopes = {HOME, SEARCH, *(category_scope(pk) for pk in ids)}
    return {slug for slug, _ in rows}, scopes


def product_cache_invalidate(*product_ids: int, category_ids=(), slugs=()) -> None:
    """After commit: forget cached pages of these products (also under `slugs`: ones they
    had before, for a rename) and the listings that may show them (`category_ids`:
    categories they were in before, for a move). With no ids: every listing."""
    scopes: set[str] = set()
    slugs = set(slugs)
    if product_ids or category_ids:
        current, scopes = _affected(product_ids, category_ids)
        slugs |= current

    def bump():
        for slug in sorted(slugs):
            _bump(_product_version_key(slug))
        for scope in sorted(scopes):
            _bump(_scope_version_key(scope))
        if not scopes:
            _bump(LISTING_VERSION)

    transaction.on_commit(bump)


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, timeout=TTL)

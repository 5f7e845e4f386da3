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
from django.db.models import Q

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


def _product_version_key(product_id: int) -> str:
    return f"catalog:product:{product_id}:version"


def product_get(product_id: int, part: str):
    """A product fragment still at the product's current version, in one round trip.

    The version is stored inside the entry (not in the key), so the version and the entry
    come back together (MGET) instead of one GET after the other on the hot path.
    """
    version_key = _product_version_key(product_id)
    entry_key = f"catalog:product:{product_id}:{part}"
    found = cache.get_many([version_key, entry_key])
    entry = found.get(entry_key)
    version = found.get(version_key)
    if version is None or not isinstance(entry, dict):
        return None
    return entry if entry.get("version") == int(version) else None


def product_version(product_id: int) -> int:
    """Read before rendering: a change while rendering then leaves the fragment stale-marked."""
    return _version(_product_version_key(product_id))


def product_put(product_id: int, part: str, entry: dict, version: int) -> None:
    put(f"catalog:product:{product_id}:{part}", {**entry, "version": version})


def _scope_version_key(scope: str) -> str:
    return f"catalog:listing:{scope}:version"


def category_scope(category_id: int) -> str:
    """The listing scope of a category's pages (its products and its descendants')."""
    return f"category:{category_id}"


def listing_key(part: str, scope: str) -> str:
    """The key of a listing fragment of `scope` (HOME, SEARCH or `category_scope(id)`), at
    the catalog's and the scope's current versions (both read in one round trip)."""
    keys = [LISTING_VERSION, _scope_version_key(scope)]
    found = cache.get_many(keys)
    versions = [found.get(key) or _version(key) for key in keys]
    return "catalog:listing:v{}.{}:{}:{}".format(*versions, scope, part)


def _listing_scopes(product_ids, category_ids) -> set[str]:
    """The listings that may show these products or products of these categories: each
    category with its ancestors (a category page lists its whole subtree), home, search."""
    from .models import Category

    paths = Category.all_objects.filter(
        Q(products__pk__in=product_ids) | Q(pk__in=category_ids)
    ).values_list("path", flat=True)
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return {HOME, SEARCH, *(category_scope(pk) for pk in ids)}


def product_cache_invalidate(*product_ids: int, category_ids=()) -> None:
    """After commit: forget cached fragments of these products and the listings that may
    show them (`category_ids`: categories they were in before, for a move). With no ids:
    every listing."""
    scopes = (
        _listing_scopes(product_ids, category_ids)
        if product_ids or category_ids
        else set()
    )

    def bump():
        for product_id in product_ids:
            _bump(_product_version_key(product_id))
        for scope in sorted(scopes):
            _bump(_scope_version_key(scope))
        if not scopes:
            _bump(LISTING_VERSION)

    transaction.on_commit(bump)


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, timeout=TTL)

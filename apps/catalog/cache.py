"""Fragment caching of product pages and listings in Redis, with versioned keys.

A change bumps a version number; old fragments are simply never read again (they expire).
When Redis is down the cache answers None and pages render from the database.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

TTL = 3600
LISTING_VERSION = "catalog:listing:version"


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


def listing_key(part: str) -> str:
    return f"catalog:listing:v{_version(LISTING_VERSION)}:{part}"


def product_cache_invalidate(*product_ids: int) -> None:
    """After commit: forget cached fragments of these products and every listing."""

    def bump():
        for product_id in product_ids:
            _bump(_product_version_key(product_id))
        _bump(LISTING_VERSION)

    transaction.on_commit(bump)


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, timeout=TTL)

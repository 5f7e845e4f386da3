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


def product_key(product_id: int, part: str) -> str:
    return f"catalog:product:{product_id}:v{_version(f'catalog:product:{product_id}:version')}:{part}"


def listing_key(part: str) -> str:
    return f"catalog:listing:v{_version(LISTING_VERSION)}:{part}"


def product_cache_invalidate(*product_ids: int) -> None:
    """After commit: forget cached fragments of these products and every listing."""

    def bump():
        for product_id in product_ids:
            _bump(f"catalog:product:{product_id}:version")
        _bump(LISTING_VERSION)

    transaction.on_commit(bump)


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, timeout=TTL)

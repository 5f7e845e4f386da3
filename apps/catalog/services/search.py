"""The search vocabulary behind "did you mean …", and the precomputed listing counts."""

from __future__ import annotations

from django.db import connection


def search_words_refresh() -> None:
    """Recompute the words of published products' names, brands and tags (readers are not
    blocked).

    Through the owner's function (migration catalog.0008): only a view's owner may refresh it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_searchword_refresh()")


def category_listings_refresh() -> None:
    """Recompute each category subtree's product count and option values for unfiltered
    listings, and each product's option values for search facets (readers are not blocked).

    Through the owner's function (migrations catalog.0010 and 0012): only a view's owner may
    refresh it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_categorylisting_refresh()")

"""The home page's content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    prefetch_related_objects,
)
from django.utils import timezone

from ..models import (
    Category,
    Product,
)
from .categories import category_url_paths
from .offers import card_prefetches, products_published


@dataclass(frozen=True)
class HomeContent:
    featured_categories: list[Category]
    category_paths: dict[int, str]
    featured_products: list[Product]
    newest_products: list[Product]


def home_content(
    at: dt.datetime | None = None, *, categories: int = 8, products: int = 8
) -> HomeContent:
    """Featured categories, featured products and the newest products."""
    at = at or timezone.now()
    featured_categories = list(
        Category.objects.filter(is_featured=True).order_by("depth", "position", "name")[
            :categories
        ]
    )
    published = products_published(at).defer(
        "search_vector", "description", "attributes"
    )
    featured = list(
        published.filter(is_featured=True).order_by("-created_at", "-id")[:products]
    )
    newest = list(published.order_by("-created_at", "-id")[:products])
    prefetch_related_objects([*featured, *newest], *card_prefetches(at))
    return HomeContent(
        featured_categories=featured_categories,
        category_paths=category_url_paths(featured_categories),
        featured_products=featured,
        newest_products=newest,
    )

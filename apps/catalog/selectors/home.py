"""The home page's content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ..models import Category
from .categories import category_url_paths
from .offers import CARD_COLUMNS, ProductCard, product_cards_read, products_published


@dataclass(frozen=True)
class HomeContent:
    featured_categories: list[Category]
    category_paths: dict[int, str]
    featured_products: list[ProductCard]
    newest_products: list[ProductCard]


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
    published = products_published(at).values(*CARD_COLUMNS)
    featured = list(
        published.filter(is_featured=True).order_by("-created_at", "-id")[:products]
    )
    newest = list(published.order_by("-created_at", "-id")[:products])
    # A product both featured and new is read once.
    rows = list({row["id"]: row for row in [*featured, *newest]}.values())
    cards = {card.id: card for card in product_cards_read(rows, at)}
    return HomeContent(
        featured_categories=featured_categories,
        category_paths=category_url_paths(featured_categories),
        featured_products=[cards[row["id"]] for row in featured],
        newest_products=[cards[row["id"]] for row in newest],
    )

"""Storefront reads: search, category listings, the product page, the home page (and the
brands the admin filters by).

Every selector runs a fixed number of queries whatever the page size: listings one for the
page rows (the total precomputed or a window count) and one for all their cards (read as
plain rows); the product page one per prefetched relation.
"""

from .admin_lists import (
    product_brands,
    product_matches,
    review_matches,
    variant_matches,
)
from .categories import (
    CategoryAtPath,
    categories_for_filter,
    category_by_slugs,
    category_url_paths,
)
from .home import (
    HomeContent,
    home_content,
)
from .offers import (
    CARD_COLUMNS,
    ProductCard,
    price_changes_after,
    product_cards_read,
    products_published,
    variant_price_prefetches,
)
from .product_page import (
    REVIEWS_SHOWN,
    ProductDetail,
    product_current_slug,
    product_detail,
)
from .search import (
    FEW_RESULTS,
    MAX_FACETS,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    SEARCH_CANDIDATES,
    SORTS,
    TRIGRAM_RATIO,
    TRIGRAM_THRESHOLD,
    ProductFilters,
    ProductPage,
    category_listing,
    clean_query,
    product_search,
)
from .spelling import edit_distance, search_suggestion

__all__ = [
    "CategoryAtPath",
    "CARD_COLUMNS",
    "FEW_RESULTS",
    "HomeContent",
    "MAX_FACETS",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_WORDS",
    "ProductDetail",
    "ProductFilters",
    "ProductCard",
    "ProductPage",
    "REVIEWS_SHOWN",
    "SEARCH_CANDIDATES",
    "SORTS",
    "TRIGRAM_RATIO",
    "TRIGRAM_THRESHOLD",
    "categories_for_filter",
    "category_by_slugs",
    "category_listing",
    "category_url_paths",
    "clean_query",
    "edit_distance",
    "home_content",
    "price_changes_after",
    "product_brands",
    "product_current_slug",
    "product_detail",
    "product_matches",
    "product_cards_read",
    "product_search",
    "review_matches",
    "products_published",
    "search_suggestion",
    "variant_matches",
    "variant_price_prefetches",
]

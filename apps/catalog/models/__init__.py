"""The catalog: category tree, products and variants, images, prices, reviews."""

from .categories import Category, TreeOrder
from .pricing import Price, PromotionalPrice, TierPrice
from .products import (
    AttributeDefinition,
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
)
from .reviews import ProductRating, Review
from .search import CategoryListing, ProductFacets, SearchWord

__all__ = [
    "AttributeDefinition",
    "Category",
    "CategoryListing",
    "TreeOrder",
    "OptionValue",
    "Price",
    "Product",
    "ProductImage",
    "ProductFacets",
    "ProductOption",
    "ProductRating",
    "ProductSlug",
    "ProductType",
    "ProductVariant",
    "PromotionalPrice",
    "Review",
    "SearchWord",
    "TierPrice",
]

# Staff history (History / Revert in the admin) on the master data staff edit by hand.
from apps.auditing.history import track_history  # noqa: E402

track_history(Category)
track_history(Product, excluded_fields=["search_vector"])
track_history(ProductVariant)
track_history(Price)
track_history(PromotionalPrice)
track_history(TierPrice)

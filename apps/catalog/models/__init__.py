"""The catalog: category tree, products and variants, images, prices, reviews."""

from .categories import Category
from .pricing import Price, PromotionalPrice, TierPrice
from .products import (
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
)
from .reviews import ProductRating, Review

__all__ = [
    "Category",
    "OptionValue",
    "Price",
    "Product",
    "ProductImage",
    "ProductOption",
    "ProductRating",
    "ProductSlug",
    "ProductType",
    "ProductVariant",
    "PromotionalPrice",
    "Review",
    "TierPrice",
]

"""Back office for the catalog: the category tree, products with their variants, images and
prices, product types, reviews, and CSV export/import. Every write goes through the services."""

from .categories import CategoryAdmin
from .options import OptionValueAdmin, ProductOptionAdmin, ProductTypeAdmin
from .products import ProductAdmin
from .reviews import ReviewAdmin
from .variants import ProductVariantAdmin

__all__ = [
    "CategoryAdmin",
    "OptionValueAdmin",
    "ProductAdmin",
    "ProductOptionAdmin",
    "ProductTypeAdmin",
    "ProductVariantAdmin",
    "ReviewAdmin",
]

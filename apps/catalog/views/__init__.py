"""Storefront pages: home, category listings, search, the product page.

Product and listing fragments are rendered without the request (nothing per user in them) and
cached in Redis under versioned keys; when Redis is down every page renders from the database.
"""

from .listings import category, search, storefront_home
from .product import product

__all__ = ["category", "product", "search", "storefront_home"]

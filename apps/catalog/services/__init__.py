"""Every write of the catalog, one module per subject; all of them importable from here.

Each service takes the acting person as `actor` (a User, or None for the system).
"""

from ._common import MAX_SLUG_TRIES, TREE_LOCK
from .categories import (
    CATEGORY_FIELDS,
    category_create,
    category_delete,
    category_move,
    category_subtree_ids,
    category_update,
)
from .prices import (
    price_delete,
    price_set,
    price_update,
    product_min_price_refresh,
    promotion_add,
    promotion_delete,
    promotion_update,
    tier_delete,
    tier_set,
    tier_update,
)
from .products import (
    IMAGE_FIELDS,
    attributes_validate,
    image_add,
    image_delete,
    image_set_primary,
    image_update,
    option_delete,
    option_save,
    option_value_delete,
    option_value_save,
    product_create,
    product_type_delete,
    product_type_save,
    product_update,
    products_set_status,
)
from .reviews import ratings_refresh, review_moderate, review_submit
from .variants import VARIANT_FIELDS, variant_create, variant_delete, variant_update

__all__ = [
    "CATEGORY_FIELDS",
    "IMAGE_FIELDS",
    "MAX_SLUG_TRIES",
    "TREE_LOCK",
    "VARIANT_FIELDS",
    "attributes_validate",
    "category_create",
    "category_delete",
    "category_move",
    "category_subtree_ids",
    "category_update",
    "image_add",
    "image_delete",
    "image_set_primary",
    "image_update",
    "option_delete",
    "option_save",
    "option_value_delete",
    "option_value_save",
    "price_delete",
    "price_set",
    "price_update",
    "product_create",
    "product_min_price_refresh",
    "product_type_delete",
    "product_type_save",
    "product_update",
    "products_set_status",
    "promotion_add",
    "promotion_delete",
    "promotion_update",
    "ratings_refresh",
    "review_moderate",
    "review_submit",
    "tier_delete",
    "tier_set",
    "tier_update",
    "variant_create",
    "variant_delete",
    "variant_update",
]

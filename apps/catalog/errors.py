"""Catalog business-rule errors with stable codes."""

from apps.auditing.errors import ShopError


class CatalogError(ShopError):
    code = "catalog_error"


class CategoryMoveInvalid(CatalogError):
    code = "category_move_invalid"
    default_message = (
        "A category cannot be moved under itself or one of its descendants."
    )


class SlugUnavailable(CatalogError):
    code = "slug_unavailable"
    default_message = "No free web address (slug) could be found for this name."


class SkuTaken(CatalogError):
    code = "sku_taken"
    default_message = "Another active variant already has this SKU."


class PromotionOverlap(CatalogError):
    code = "promotion_overlap"
    default_message = "This promotion overlaps another promotion of the same variant."


class ReviewExists(CatalogError):
    code = "review_exists"
    default_message = "You have already reviewed this product."


class AttributesInvalid(CatalogError):
    code = "attributes_invalid"


class CategoryNotEmpty(CatalogError):
    code = "category_not_empty"
    default_message = (
        "A category with subcategories or products cannot be deleted;"
        " move or delete them first."
    )


class PriceExists(CatalogError):
    code = "price_exists"
    default_message = "This variant already has a price in this currency."


class TierExists(CatalogError):
    code = "tier_exists"
    default_message = (
        "This variant already has a tier price from this quantity in this currency."
    )


class OptionTaken(CatalogError):
    code = "option_taken"
    default_message = "This product type already has an option of this name."


class OptionValueTaken(CatalogError):
    code = "option_value_taken"
    default_message = "This option already has this value."


class AttributeDefinitionTaken(CatalogError):
    code = "attribute_definition_taken"
    default_message = "This product type already describes an attribute of this name."

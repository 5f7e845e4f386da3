"""Products, their images, and the product types and options their variants differ by."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.auditing.dberrors import constraint_errors

from ..cache import product_cache_invalidate
from ..errors import (
    AttributeDefinitionTaken,
    AttributesInvalid,
    OptionTaken,
    OptionValueTaken,
)
from ..models import (
    AttributeDefinition,
    Category,
    OptionValue,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
)
from ._common import SLUG_ERRORS, by, changed_fields, save_with_free_slug
from .prices import product_min_price_refresh

if TYPE_CHECKING:
    from apps.accounts.models import User

IMAGE_FIELDS = ("image", "alt_text", "position")
OPTION_ERRORS = {"catalog_option_unique_in_type": OptionTaken}
OPTION_VALUE_ERRORS = {"catalog_optionvalue_unique": OptionValueTaken}
ATTRIBUTE_DEFINITION_ERRORS = {
    "catalog_attributedefinition_unique_in_type": AttributeDefinitionTaken
}


def attributes_validate(attributes: Any) -> dict[str, Any]:
    """Attributes are a flat object of short names to text, numbers or booleans."""
    if not isinstance(attributes, dict):
        raise AttributesInvalid("Attributes must be an object of name/value pairs.")
    for key, value in attributes.items():
        if not isinstance(key, str) or not key or len(key) > 60:
            raise AttributesInvalid(
                f"Attribute name {key!r} must be text of 1 to 60 characters."
            )
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, str) and len(value) > 500
        ):
            raise AttributesInvalid(
                f"Attribute {key!r} must be text (up to 500 characters), a number or true/false."
            )
    return attributes


@transaction.atomic
def product_create(
    *,
    product_type: ProductType,
    category: Category,
    name: str,
    actor: User | None = None,
    **fields: Any,
) -> Product:
    """Create a product with a free readable slug."""
    fields["attributes"] = attributes_validate(fields.get("attributes", {}))
    product = Product(product_type=product_type, category=category, name=name, **fields)
    save_with_free_slug(
        by(product, actor), name, lambda s: Product.objects.filter(slug=s).exists()
    )
    product_cache_invalidate(product.pk)
    return product


@transaction.atomic
def product_update(
    *, product: Product, actor: User | None = None, **fields: Any
) -> Product:
    """Change a product; a new name gives a new slug and the old one redirects (301)."""
    if "attributes" in fields:
        fields["attributes"] = attributes_validate(fields["attributes"])
    old_slug, old_name = product.slug, product.name
    old_category_id = product.category_id
    for key, value in fields.items():
        setattr(product, key, value)
    by(product, actor)
    if "name" in fields and fields["name"] != old_name and "slug" not in fields:
        save_with_free_slug(
            product,
            product.name,
            lambda s: Product.objects.filter(slug=s).exclude(pk=product.pk).exists(),
        )
    else:
        with constraint_errors(SLUG_ERRORS):
            product.save()
    if product.slug != old_slug:
        ProductSlug.objects.filter(
            slug=product.slug
        ).delete()  # the new slug is current again
        ProductSlug.objects.update_or_create(
            slug=old_slug, defaults={"product": product}
        )
    # A move leaves the old category's listings (and its ancestors') stale too; a rename
    # the page cached under the old slug (which now redirects).
    product_cache_invalidate(
        product.pk,
        category_ids=[old_category_id]
        if old_category_id != product.category_id
        else [],
        slugs=[old_slug],
    )
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: User | None = None) -> None:
    """Soft-delete a product with its variants and images; its page stops being served."""
    product.soft_delete()


@transaction.atomic
def product_restore(*, product: Product, actor: User | None = None) -> None:
    """Bring a product back with its variants and images; its lowest price follows."""
    product.restore()
    product_min_price_refresh(product.pk)


@transaction.atomic
def products_set_status(
    *, product_ids: list[int], status: str, actor: User | None = None
) -> int:
    """Activate or archive many products at once."""
    count = Product.objects.filter(pk__in=product_ids).update(status=status)
    product_cache_invalidate(*product_ids)
    return count


# --- images --------------------------------------------------------------------------------


@transaction.atomic
def image_set_primary(
    *, image: ProductImage, actor: User | None = None
) -> ProductImage:
    """Make this the product's primary image (one call; the others stop being primary)."""
    ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(
        pk=image.pk
    ).update(is_primary=False)
    ProductImage.objects.filter(pk=image.pk).update(is_primary=True)
    image.is_primary = True
    product_cache_invalidate(image.product_id)
    return image


@transaction.atomic
def image_add(
    *,
    product: Product,
    image,
    alt_text: str = "",
    primary: bool = False,
    position: int | None = None,
    actor: User | None = None,
) -> ProductImage:
    """Attach an image (after the others unless `position` is given); the first is primary."""
    count = ProductImage.objects.filter(product=product).count()
    added = ProductImage.objects.create(
        product=product,
        image=image,
        alt_text=alt_text,
        position=count if position is None else position,
    )
    if primary or count == 0:
        image_set_primary(image=added, actor=actor)
    product_cache_invalidate(product.pk)
    return added


@transaction.atomic
def image_update(
    *,
    image: ProductImage,
    file=None,
    alt_text: str | None = None,
    position: int | None = None,
    actor: User | None = None,
) -> ProductImage:
    """Change an image's file, alt text or position (None: keep it)."""
    wanted = {"image": file, "alt_text": alt_text, "position": position}
    current = ProductImage.all_objects.get(
        pk=image.pk
    )  # the caller's copy may be edited
    changed = changed_fields(
        current, {k: v for k, v in wanted.items() if v is not None}, IMAGE_FIELDS
    )
    if changed:
        current.save(update_fields=changed)
        product_cache_invalidate(current.product_id)
    return current


@transaction.atomic
def image_delete(*, image: ProductImage, actor: User | None = None) -> None:
    """Soft-delete an image."""
    image.soft_delete()
    product_cache_invalidate(image.product_id)


# --- product types and options -------------------------------------------------------------


@transaction.atomic
def product_type_save(
    *, product_type: ProductType, actor: User | None = None
) -> ProductType:
    """Create or rename a product type."""
    product_type.save()
    return product_type


@transaction.atomic
def product_type_delete(
    *, product_type: ProductType, actor: User | None = None
) -> None:
    """Delete a product type no product uses, with its options and their values."""
    product_type.delete()


@transaction.atomic
def option_save(*, option: ProductOption, actor: User | None = None) -> ProductOption:
    """Create or change an option of a product type (its name is unique in the type)."""
    with constraint_errors(OPTION_ERRORS):
        option.save()
    product_cache_invalidate()  # listings filter by option values
    return option


@transaction.atomic
def option_delete(*, option: ProductOption, actor: User | None = None) -> None:
    """Delete an option with its values (variants stop carrying them)."""
    option.delete()
    product_cache_invalidate()


@transaction.atomic
def option_value_save(*, value: OptionValue, actor: User | None = None) -> OptionValue:
    """Create or change a value of an option (unique within the option)."""
    with constraint_errors(OPTION_VALUE_ERRORS):
        value.save()
    product_cache_invalidate()
    return value


@transaction.atomic
def option_value_delete(*, value: OptionValue, actor: User | None = None) -> None:
    """Delete an option value (variants stop carrying it)."""
    value.delete()
    product_cache_invalidate()


@transaction.atomic
def attribute_definition_save(
    *, definition: AttributeDefinition, actor: User | None = None
) -> AttributeDefinition:
    """Create or change how a product type's attribute is labelled (its key is unique in the type)."""
    with constraint_errors(ATTRIBUTE_DEFINITION_ERRORS):
        definition.save()
    product_cache_invalidate()  # product pages show the label and unit
    return definition


@transaction.atomic
def attribute_definition_delete(
    *, definition: AttributeDefinition, actor: User | None = None
) -> None:
    """Delete an attribute's label (product pages fall back to its key, made readable)."""
    definition.delete()
    product_cache_invalidate()

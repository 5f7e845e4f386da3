"""Variants of a product: SKU unique among alive variants, option values, base price."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.auditing.dberrors import constraint_errors

from ..cache import product_cache_invalidate
from ..errors import SkuTaken
from ..models import OptionValue, Product, ProductVariant
from ._common import by, changed_fields
from .prices import price_set, product_min_price_refresh

if TYPE_CHECKING:
    from apps.accounts.models import User

VARIANT_FIELDS = ("product", "sku", "name", "is_active", "weight_grams", "position")
SKU_ERRORS = {"catalog_variant_sku_unique_alive": SkuTaken}


def _sku_taken(sku: str, own_pk: int | None = None) -> bool:
    return ProductVariant.objects.filter(sku=sku).exclude(pk=own_pk).exists()


@transaction.atomic
def variant_create(
    *,
    product: Product,
    sku: str,
    name: str = "",
    option_values: Sequence[OptionValue] = (),
    price: Decimal | None = None,
    currency: str = "EUR",
    actor: User | None = None,
    **fields: Any,
) -> ProductVariant:
    """Add a variant (with its base price)."""
    if _sku_taken(sku):
        raise SkuTaken()
    variant = ProductVariant(product=product, sku=sku, name=name, **fields)
    with constraint_errors(SKU_ERRORS):  # a concurrent writer took the SKU first
        by(variant, actor).save()
    if option_values:
        variant.option_values.set(option_values)
    if price is not None:
        price_set(variant=variant, amount=price, currency=currency, actor=actor)
    product_cache_invalidate(product.pk)
    return variant


@transaction.atomic
def variant_update(
    *,
    variant: ProductVariant,
    option_values: Sequence[OptionValue] | None = None,
    actor: User | None = None,
    **fields: Any,
) -> ProductVariant:
    """Change a variant (another product, a new SKU, active or not, ...)."""
    current = ProductVariant.all_objects.select_for_update().get(pk=variant.pk)
    old_product_id = current.product_id
    changed = changed_fields(current, fields, VARIANT_FIELDS)
    if "sku" in changed and _sku_taken(current.sku, current.pk):
        raise SkuTaken()
    if changed:
        with constraint_errors(SKU_ERRORS):
            by(current, actor).save(update_fields=changed)
    if option_values is not None:
        current.option_values.set(option_values)
    product_ids = {old_product_id, current.product_id}
    if {"product", "is_active"} & set(changed):
        product_min_price_refresh(*product_ids)
    product_cache_invalidate(*product_ids)
    return current


@transaction.atomic
def variant_delete(*, variant: ProductVariant, actor: User | None = None) -> None:
    """Soft-delete a variant; its product's lowest price follows."""
    variant.soft_delete()
    product_min_price_refresh(variant.product_id)
    product_cache_invalidate(variant.product_id)


@transaction.atomic
def variant_restore(*, variant: ProductVariant, actor: User | None = None) -> None:
    """Bring a soft-deleted variant back; its product's lowest price and page follow."""
    variant.restore()
    product_min_price_refresh(variant.product_id)
    product_cache_invalidate(variant.product_id)

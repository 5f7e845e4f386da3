"""Data and form posts the catalog admin tests share."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog import services
from apps.catalog.models import (
    Category,
    Price,
    Product,
    ProductVariant,
)

PRODUCTS_URL = "/admin/catalog/product/"
CATEGORIES_URL = "/admin/catalog/category/"


def make_product(name, category, product_type, *variants, **fields):
    product = services.product_create(
        product_type=product_type, category=category, name=name, **fields
    )
    for sku, price in variants:
        services.variant_create(product=product, sku=sku, name=sku, price=price)
    return product


def product_post(product=None, *, variants=(), images=(), **overrides):
    """The product change form as the admin posts it (inline rows as dicts)."""
    data = {
        "name": product.name if product else "",
        "category": product.category_id if product else "",
        "product_type": product.product_type_id if product else "",
        "brand": product.brand if product else "",
        "status": product.status if product else "draft",
        "description": "",
        "tags": "",
        "attributes": "{}",
        "seo_title": "",
        "seo_description": "",
        "publish_from_0": "",
        "publish_from_1": "",
        "publish_until_0": "",
        "publish_until_1": "",
        **overrides,
    }
    existing_variants = (
        list(product.variants.order_by("position", "id")) if product else []
    )
    rows = [
        {
            "id": v.pk,
            "sku": v.sku,
            "name": v.name,
            "is_active": "on" if v.is_active else "",
            "weight_grams": v.weight_grams,
            "position": v.position,
            "price": next(
                (p.amount for p in v.prices.all() if p.currency == "EUR"), ""
            ),
        }
        for v in existing_variants
    ]
    for i, changes in variants:
        if i < len(rows):
            rows[i].update(changes)
        else:
            rows.append(changes)
    data.update(formset("variants", rows, len(existing_variants)))
    existing_images = list(product.images.all()) if product else []
    image_rows = [
        {
            "id": img.pk,
            "alt_text": img.alt_text,
            "position": img.position,
            "is_primary": "on" if img.is_primary else "",
        }
        for img in existing_images
    ]
    for i, changes in images:
        if i < len(image_rows):
            image_rows[i].update(changes)
        else:
            image_rows.append(changes)
    data.update(formset("images", image_rows, len(existing_images)))
    return data


def formset(prefix, rows, initial):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def counts():
    return (
        Product.all_objects.count(),
        ProductVariant.all_objects.count(),
        Price.objects.count(),
        Category.all_objects.count(),
    )


def png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")

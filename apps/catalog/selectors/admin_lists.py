"""What the back office's lists of products, variants and reviews ask: the brands to filter by, the
rows a search word matches. Each is answered by an index, whatever the catalog's size."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from apps.auditing.expressions import AnyOf

from ..models import Product, ProductVariant

MAX_BRANDS = 500

# One index probe per brand (the index on brand), never a scan or a DISTINCT over every
# product: each step asks for the first brand after the previous one.
BRANDS_SQL = """
WITH RECURSIVE brands(brand) AS (
    (SELECT brand FROM catalog_product WHERE brand > '' ORDER BY brand LIMIT 1)
    UNION ALL
    SELECT (SELECT p.brand FROM catalog_product p WHERE p.brand > b.brand
            ORDER BY p.brand LIMIT 1)
    FROM brands b WHERE b.brand IS NOT NULL
)
SELECT brand FROM brands WHERE brand IS NOT NULL LIMIT %s
"""


def product_brands(*, limit: int = MAX_BRANDS) -> list[str]:
    """Every brand a product (alive or deleted) carries, in order, at most `limit`."""
    with connection.cursor() as cursor:
        cursor.execute(BRANDS_SQL, [limit])
        return [brand for (brand,) in cursor.fetchall()]


def product_matches(word: str) -> Q:
    """A product whose name or brand holds the word, whose slug is it, or one of whose
    variants' SKU holds it. Every part is answered by an index (the trigram indexes on
    UPPER(name), UPPER(brand) and UPPER(sku)), OR-ed in one bitmap scan: no join, so no
    DISTINCT or EXISTS over the whole table."""
    skus = ProductVariant.all_objects.filter(sku__icontains=word).values("product_id")
    return (
        Q(name__icontains=word)
        | Q(brand__icontains=word)
        | Q(slug=word)
        | Q(AnyOf("pk", skus))
    )


def variant_matches(word: str) -> Q:
    """A variant whose SKU holds the word or whose product's name does: the trigram
    indexes on UPPER(sku) and UPPER(name) answer both, OR-ed in one bitmap scan of the
    variants (the products' ids looked up in the index on product_id), with no join."""
    products = Product.all_objects.filter(name__icontains=word).values("pk")
    return Q(sku__icontains=word) | Q(AnyOf("product_id", products))


def review_matches(word: str) -> Q:
    """A review whose title or text holds the word, or whose product's name does: the
    trigram indexes on UPPER(title), UPPER(body) and the products' UPPER(name), OR-ed in one
    bitmap scan of the reviews, with no join."""
    products = Product.all_objects.filter(name__icontains=word).values("pk")
    return (
        Q(title__icontains=word)
        | Q(body__icontains=word)
        | Q(AnyOf("product_id", products))
    )

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Upper

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently

    dependencies = [
        ("catalog", "0010_listing_indexes_and_counts"),
    ]

    operations = [
        SetTimeouts(),
        AddIndexConcurrently(
            model_name="product",
            index=GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"),
                name="catalog_product_name_up_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=GinIndex(
                OpClass(Upper("brand"), name="gin_trgm_ops"),
                name="catalog_product_brand_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(fields=["brand"], name="catalog_product_brand"),
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                fields=["-created_at", "-id"], name="catalog_product_created"
            ),
        ),
        AddIndexConcurrently(
            model_name="productvariant",
            index=GinIndex(
                OpClass(Upper("sku"), name="gin_trgm_ops"),
                name="catalog_variant_sku_trgm",
            ),
        ),
    ]

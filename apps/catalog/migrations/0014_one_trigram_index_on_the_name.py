"""One trigram index on a product's name, not two: the storefront's typo matcher now asks
the admin's index on UPPER(name) (trigrams ignore case), and the index on the bare name,
kept up on every write of a product, goes."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the index is dropped concurrently

    dependencies = [
        ("catalog", "0013_review_queue_and_search_indexes"),
    ]

    operations = [
        SetTimeouts(),
        RemoveIndexConcurrently(
            model_name="product",
            name="catalog_product_name_trgm",
        ),
    ]

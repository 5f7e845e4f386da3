"""The back office's reviews at scale: the moderation queue's order (pending first, then
newest) and the searches of titles and texts answered by indexes."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Upper

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently

    dependencies = [
        ("catalog", "0012_product_facets"),
    ]

    operations = [
        SetTimeouts(),
        AddIndexConcurrently(
            model_name="review",
            index=models.Index(
                models.Case(
                    models.When(status="pending", then=models.Value(0)),
                    default=models.Value(1),
                ),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="catalog_review_queue",
            ),
        ),
        AddIndexConcurrently(
            model_name="review",
            index=GinIndex(
                OpClass(Upper("title"), name="gin_trgm_ops"),
                name="catalog_review_title_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="review",
            index=GinIndex(
                OpClass(Upper("body"), name="gin_trgm_ops"),
                name="catalog_review_body_trgm",
            ),
        ),
    ]

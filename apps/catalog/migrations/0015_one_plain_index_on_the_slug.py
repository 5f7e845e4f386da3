"""A product's slug indexed twice, not three times: the unique index on alive products'
slugs and one plain index over every product (the admin's search). Django's `LIKE` index
(`varchar_pattern_ops`), which no query asks and every product write kept up, goes; the
plain one is renamed, not rebuilt. The history table's two slug indexes go too: its rows
are read by the product's id."""

from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts

OLD = "catalog_product_slug_f37848b0"
HISTORY = "catalog_historicalproduct_slug_35e288db"


class Migration(migrations.Migration):
    atomic = False  # the index is dropped concurrently

    dependencies = [
        ("catalog", "0014_one_trigram_index_on_the_name"),
    ]

    operations = [
        SetTimeouts(),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="product",
                    name="slug",
                    field=models.SlugField(db_index=False, max_length=220),
                ),
                migrations.AlterField(
                    model_name="historicalproduct",
                    name="slug",
                    field=models.SlugField(db_index=False, max_length=220),
                ),
                migrations.AddIndex(
                    model_name="product",
                    index=models.Index(fields=["slug"], name="catalog_product_slug"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}_like",
                    reverse_sql=(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD}_like"
                        " ON catalog_product (slug varchar_pattern_ops)"
                    ),
                ),
                *(
                    migrations.RunSQL(
                        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
                        reverse_sql=(
                            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name}"
                            f" ON catalog_historicalproduct (slug{ops})"
                        ),
                    )
                    for name, ops in (
                        (HISTORY, ""),
                        (f"{HISTORY}_like", " varchar_pattern_ops"),
                    )
                ),
                migrations.RunSQL(
                    f"ALTER INDEX {OLD} RENAME TO catalog_product_slug",
                    reverse_sql=f"ALTER INDEX catalog_product_slug RENAME TO {OLD}",
                ),
            ],
        ),
    ]

"""Search facets without a pass over the results' variants: the option values of each
product's active variants, precomputed (a materialized view refreshed with the category
listings, by the same owner's function)."""

import django.contrib.postgres.fields
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts

# Every alive product, with or without option values: a product without a row is one the
# last refresh did not see, whose values a search reads live. Joins, not a subquery per
# product: right after a bulk load (no statistics yet) the planner ran that subquery as a
# scan of every variant for each product (99 s for a 20k-product demo, against 0.7 s).
FACETS = r"""
CREATE MATERIALIZED VIEW catalog_productfacets AS
SELECT p.id AS product_id,
       COALESCE(array_agg(DISTINCT l.optionvalue_id ORDER BY l.optionvalue_id)
                FILTER (WHERE l.optionvalue_id IS NOT NULL), '{}')::integer[]
           AS option_value_ids
  FROM catalog_product p
  LEFT JOIN catalog_productvariant v
    ON v.product_id = p.id AND v.is_active AND v.deleted_at IS NULL
  LEFT JOIN catalog_productvariant_option_values l ON l.productvariant_id = v.id
 WHERE p.deleted_at IS NULL
 GROUP BY p.id;
CREATE UNIQUE INDEX catalog_productfacets_pk ON catalog_productfacets (product_id);
"""

# Both views, readers never blocked. An empty facets view (a new shop, a fresh demo) is
# filled without CONCURRENTLY: nobody reads what is not there, and it is several times faster.
REFRESH_BOTH = r"""
CREATE OR REPLACE FUNCTION catalog_categorylisting_refresh() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY catalog_categorylisting;
    IF EXISTS (SELECT FROM catalog_productfacets) THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY catalog_productfacets;
    ELSE
        REFRESH MATERIALIZED VIEW catalog_productfacets;
    END IF;
END $$;
"""

REFRESH_LISTINGS = r"""
CREATE OR REPLACE FUNCTION catalog_categorylisting_refresh() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY catalog_categorylisting;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_admin_search_and_order_indexes"),
    ]

    operations = [
        SetTimeouts(),
        migrations.CreateModel(
            name="ProductFacets",
            fields=[
                ("product_id", models.BigIntegerField(primary_key=True, serialize=False)),
                (
                    "option_value_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), size=None
                    ),
                ),
            ],
            options={
                "db_table": "catalog_productfacets",
                "managed": False,
            },
        ),
        migrations.RunSQL(
            sql=FACETS + REFRESH_BOTH,
            reverse_sql=REFRESH_LISTINGS + "DROP MATERIALIZED VIEW catalog_productfacets;",
        ),
    ]

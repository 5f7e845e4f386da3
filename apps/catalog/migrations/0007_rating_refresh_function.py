"""Refreshing the ratings view is the owner's (only the owner of a materialized view may);
the application asks for it through this function."""

from django.db import migrations

FUNCTION = r"""
CREATE FUNCTION catalog_productrating_refresh() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY catalog_productrating;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_keys_never_change")]

    operations = [
        migrations.RunSQL(
            sql=FUNCTION,
            reverse_sql="DROP FUNCTION catalog_productrating_refresh();",
        ),
    ]

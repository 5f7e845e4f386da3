"""The sanctioned exceptions become functions run with the owner's rights (sql/definer.sql)."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file


class Migration(migrations.Migration):
    dependencies = [("auditing", "0003_drain_compares")]

    operations = [
        migrations.RunSQL(
            sql=sql_file("definer.sql"), reverse_sql=sql_file("definer_reverse.sql")
        ),
    ]

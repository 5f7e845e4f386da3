"""The inbox guard looks a capture's events up by the trail's key (sql/guard_by_key.sql)."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file, sql_function


class Migration(migrations.Migration):
    dependencies = [("auditing", "0005_drain_quarantine")]

    operations = [
        migrations.RunSQL(
            sql=sql_file("guard_by_key.sql"),
            # Back to the guard of 0005, read from its file.
            reverse_sql=sql_function("quarantine.sql", "auditing_inbox_guard"),
        ),
    ]

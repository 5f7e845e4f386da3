"""A capture leaves the inbox only when the trail holds its events as they are."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file, sql_function


class Migration(migrations.Migration):
    dependencies = [("auditing", "0002_redaction_marker_only")]

    operations = [
        migrations.RunSQL(
            sql=sql_file("drain_compares.sql"),
            # Back to the guard of 0002, read from its file.
            reverse_sql=sql_function("redaction_marker_only.sql", "auditing_inbox_guard"),
        ),
    ]

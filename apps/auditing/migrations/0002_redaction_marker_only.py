"""Redaction may only replace personal text with the marker; inbox captures are never rewritten."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file, sql_function


class Migration(migrations.Migration):
    dependencies = [("auditing", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=sql_file("redaction_marker_only.sql"),
            # Back to the rules of 0001, read from its files.
            reverse_sql=[
                sql_function("trail.sql", "auditing_refuse_change"),
                sql_function("inbox.sql", "auditing_inbox_guard"),
                "DROP FUNCTION auditing_redacted_from(jsonb, jsonb)",
            ],
        ),
    ]

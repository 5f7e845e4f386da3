"""Redaction may only replace personal text with the marker; inbox captures are never rewritten."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("auditing", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=(SQL / "redaction_marker_only.sql").read_text(),
            reverse_sql=(SQL / "redaction_marker_only_reverse.sql").read_text(),
        ),
    ]

"""A capture leaves the inbox only when the trail holds its events as they are."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("auditing", "0002_redaction_marker_only")]

    operations = [
        migrations.RunSQL(
            sql=(SQL / "drain_compares.sql").read_text(),
            reverse_sql=(SQL / "drain_compares_reverse.sql").read_text(),
        ),
    ]

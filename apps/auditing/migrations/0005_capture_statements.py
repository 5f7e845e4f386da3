"""One inbox row per statement (per 50,000 rows), not per changed row.

A multi-row UPDATE is compared column by column in the trigger and only the changes are
kept; one-row updates, inserts and deletes keep JSON images as before. Reversing drains the
inbox into the trail and puts back the objects of 0004.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("auditing", "0004_capture_inbox")]

    operations = [
        migrations.RunSQL(
            sql=(SQL / "capture_statements.sql").read_text(),
            reverse_sql=[
                (SQL / "capture_statements_reverse.sql").read_text(),
                (SQL / "capture_inbox.sql").read_text(),
            ],
        ),
    ]

"""Replace auditing_capture() with the version whose cached plan stays linear for bulk statements.

The first version paired old and new rows with an inner join; PL/pgSQL cached a nested-loop
plan made for one-row statements, and a later bulk UPDATE on the same pooled connection
became quadratic. Databases created from 0001 already get the new body (0001 reads the same
SQL file); this migration brings existing ones up to date.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("auditing", "0002_redaction")]

    operations = [migrations.RunSQL(sql=(SQL / "capture.sql").read_text(), reverse_sql=migrations.RunSQL.noop)]

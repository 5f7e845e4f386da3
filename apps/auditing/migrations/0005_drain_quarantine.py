"""A capture the drain cannot move goes into quarantine instead of stopping the drain, and
only the audit trigger writes captures (sql/quarantine.sql)."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file, sql_function

REVERSE = "\n".join(
    [
        # The drain of inbox.sql with the owner's rights of 0004, and the guard of 0003.
        sql_function("inbox.sql", "auditing_inbox_drain"),
        "ALTER FUNCTION auditing_inbox_drain(integer, boolean)"
        " SECURITY DEFINER SET search_path = public, pg_temp;",
        sql_function("drain_compares.sql", "auditing_inbox_guard"),
        "DROP TABLE auditing_auditevent_quarantine;",
        "DROP TRIGGER auditing_auditevent_inbox_capture_only ON auditing_auditevent_inbox;",
        "DROP FUNCTION auditing_inbox_capture_only();",
        "DROP FUNCTION auditing_quarantine_refuse();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [("auditing", "0004_definer_functions")]

    operations = [
        migrations.RunSQL(sql=sql_file("quarantine.sql"), reverse_sql=REVERSE),
    ]

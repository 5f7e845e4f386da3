"""A capture records the role that connected, not the owner whose function made the change
(sql/db_role_session.sql)."""

from django.db import migrations

from apps.auditing.sqlfiles import sql_file


class Migration(migrations.Migration):
    dependencies = [("auditing", "0006_guard_by_key")]

    operations = [
        migrations.RunSQL(
            sql=sql_file("db_role_session.sql"),
            reverse_sql="ALTER TABLE auditing_auditevent_inbox"
            " ALTER COLUMN db_role SET DEFAULT current_user;",
        ),
    ]

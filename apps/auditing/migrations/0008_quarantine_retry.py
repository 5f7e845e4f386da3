"""A quarantined capture moves into the trail once its cause is repaired
(sql/quarantine_retry.sql); the quarantine as a model, for the admin."""

from django.db import migrations, models

from apps.auditing.sqlfiles import sql_file

REVERSE = """
DROP FUNCTION auditing_quarantine_retry(bigint[]);
DROP TABLE auditing_auditevent_quarantine_moved;
"""


class Migration(migrations.Migration):
    dependencies = [("auditing", "0007_db_role_session")]

    operations = [
        migrations.RunSQL(sql=sql_file("quarantine_retry.sql"), reverse_sql=REVERSE),
        migrations.CreateModel(
            name="QuarantinedCapture",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("capture", models.JSONField()),
                ("sqlstate", models.TextField()),
                ("error", models.TextField()),
                ("quarantined_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "quarantined capture",
                "db_table": "auditing_auditevent_quarantine",
                "ordering": ["-id"],
                "permissions": [
                    (
                        "retry_quarantinedcapture",
                        "Can move a quarantined capture into the trail again",
                    )
                ],
                "managed": False,
            },
        ),
    ]

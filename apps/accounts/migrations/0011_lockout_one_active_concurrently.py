"""The one-active-lockout rule over (scope, key, address), its unique index built concurrently."""

from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("accounts", "0010_lockout_pairs"),
    ]

    operations = [
        SetTimeouts(),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX CONCURRENTLY accounts_lockout_one_active"
                    " ON accounts_lockout (scope, key, address) NULLS NOT DISTINCT"
                    " WHERE ended_at IS NULL",
                    "DROP INDEX CONCURRENTLY accounts_lockout_one_active",
                )
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="lockout",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("ended_at__isnull", True)),
                        fields=("scope", "key", "address"),
                        name="accounts_lockout_one_active",
                        nulls_distinct=False,
                    ),
                )
            ],
        ),
    ]

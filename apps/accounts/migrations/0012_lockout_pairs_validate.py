"""Validate the pairs' CHECK added NOT VALID by 0010 (reads rows without blocking writes)."""

from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_lockout_one_active_concurrently"),
    ]

    operations = [
        SetTimeouts(),
        migrations.RunSQL(
            "ALTER TABLE accounts_lockout VALIDATE CONSTRAINT accounts_lockout_address_for_pairs",
            migrations.RunSQL.noop,
        ),
    ]

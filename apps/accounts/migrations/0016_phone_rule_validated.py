"""Validate the phone CHECK added NOT VALID by 0015 (reads rows without blocking writes)."""

from django.contrib.postgres.operations import ValidateConstraint
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_phone_rule_in_the_database"),
    ]

    operations = [
        SetTimeouts(),
        ValidateConstraint(model_name="address", name="accounts_address_phone_valid"),
        ValidateConstraint(model_name="user", name="accounts_user_phone_valid"),
    ]

"""Validate the phone CHECK added NOT VALID by 0014 (reads rows without blocking writes)."""

from django.contrib.postgres.operations import ValidateConstraint
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0014_phone_rule_in_the_database"),
    ]

    operations = [
        SetTimeouts(),
        ValidateConstraint(model_name="supplier", name="inventory_supplier_phone_valid"),
    ]

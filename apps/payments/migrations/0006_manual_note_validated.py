"""Validate the note CHECK added NOT VALID by 0005 (reads rows without blocking writes)."""

from django.contrib.postgres.operations import ValidateConstraint
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_manual_note_in_the_database"),
    ]

    operations = [
        SetTimeouts(),
        ValidateConstraint(
            model_name="payment", name="payments_payment_note_by_hand_only"
        ),
    ]

"""A payment's note is for money recorded by hand (and such a payment has one), kept by the
database: a CHECK added NOT VALID (a brief lock, no scan), validated by the next migration
without blocking writes."""

from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_notification_apply_unprocessed"),
    ]

    operations = [
        SetTimeouts(),
        AddConstraintNotValid(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(gateway="manual", note__gt="")
                | (~models.Q(gateway="manual") & models.Q(note="")),
                name="payments_payment_note_by_hand_only",
            ),
        ),
    ]

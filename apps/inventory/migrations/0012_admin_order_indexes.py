from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently

    dependencies = [
        ("inventory", "0011_one_phone_rule"),
    ]

    operations = [
        SetTimeouts(),
        AddIndexConcurrently(
            model_name="reservation",
            index=models.Index(
                fields=["-created_at", "-id"], name="inventory_reservation_newest"
            ),
        ),
        AddIndexConcurrently(
            model_name="reservation",
            index=models.Index(fields=["owner_id"], name="inventory_reservation_owner_id"),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(
                fields=["-created_at", "-id"], name="inventory_movement_newest"
            ),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(fields=["reference_id"], name="inventory_movement_reference"),
        ),
    ]

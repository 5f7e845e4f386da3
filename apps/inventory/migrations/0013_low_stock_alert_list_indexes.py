"""The back office's low-stock alerts at scale (one per stock row that ever ran low): the
list's order, newest first, for all alerts and for the open ones, answered by indexes."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently

    dependencies = [
        ("inventory", "0012_admin_order_indexes"),
    ]

    operations = [
        SetTimeouts(),
        migrations.AlterModelOptions(
            name="lowstockalert",
            options={"ordering": ["-raised_at", "-id"]},
        ),
        AddIndexConcurrently(
            model_name="lowstockalert",
            index=models.Index(
                fields=["-raised_at", "-id"], name="inventory_alert_newest"
            ),
        ),
        AddIndexConcurrently(
            model_name="lowstockalert",
            index=models.Index(
                condition=models.Q(("cleared_at__isnull", True)),
                fields=["-raised_at", "-id"],
                name="inventory_alert_open_newest",
            ),
        ),
    ]

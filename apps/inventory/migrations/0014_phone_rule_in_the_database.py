"""The phone rule kept by the database too: a CHECK added NOT VALID (a brief lock, no
scan); the next migration validates it without blocking writes."""

import django.core.validators
from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0013_low_stock_alert_list_indexes'),
    ]

    operations = [
        SetTimeouts(),
        migrations.AlterField(
            model_name='supplier',
            name='phone',
            field=models.CharField(blank=True, max_length=32, validators=[django.core.validators.RegexValidator(code='invalid_phone', message='Enter a phone number of 5 to 30 digits, spaces and + ( ) - / .', regex='^\\+?[0-9 ()./-]{5,30}\\Z')]),
        ),
        AddConstraintNotValid(
            model_name='supplier',
            constraint=models.CheckConstraint(condition=models.Q(('phone', ''), ('phone__regex', '^\\+?[0-9 ()./-]{5,30}\\Z'), _connector='OR'), name='inventory_supplier_phone_valid'),
        ),
    ]

"""The phone rule kept by the database too: a CHECK added NOT VALID (a brief lock, no
scan); the next migration validates it without blocking writes."""

import django.core.validators
from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0014_admin_search_and_order_indexes'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        SetTimeouts(),
        migrations.AlterField(
            model_name='address',
            name='phone',
            field=models.CharField(blank=True, max_length=32, validators=[django.core.validators.RegexValidator(code='invalid_phone', message='Enter a phone number of 5 to 30 digits, spaces and + ( ) - / .', regex='^\\+?[0-9 ()./-]{5,30}\\Z')]),
        ),
        migrations.AlterField(
            model_name='historicaluser',
            name='phone',
            field=models.CharField(blank=True, max_length=32, validators=[django.core.validators.RegexValidator(code='invalid_phone', message='Enter a phone number of 5 to 30 digits, spaces and + ( ) - / .', regex='^\\+?[0-9 ()./-]{5,30}\\Z')]),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=models.CharField(blank=True, max_length=32, validators=[django.core.validators.RegexValidator(code='invalid_phone', message='Enter a phone number of 5 to 30 digits, spaces and + ( ) - / .', regex='^\\+?[0-9 ()./-]{5,30}\\Z')]),
        ),
        AddConstraintNotValid(
            model_name='address',
            constraint=models.CheckConstraint(condition=models.Q(('phone', ''), ('phone__regex', '^\\+?[0-9 ()./-]{5,30}\\Z'), _connector='OR'), name='accounts_address_phone_valid'),
        ),
        AddConstraintNotValid(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('phone', ''), ('phone__regex', '^\\+?[0-9 ()./-]{5,30}\\Z'), _connector='OR'), name='accounts_user_phone_valid'),
        ),
    ]

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Upper

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently

    dependencies = [
        ("accounts", "0013_one_phone_rule"),
    ]

    operations = [
        SetTimeouts(),
        # The catalog installs it too; the accounts' migrations may run first. Never
        # dropped on the way back: the catalog's indexes need it.
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
        ),
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(fields=["email"], name="accounts_user_email"),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=GinIndex(
                OpClass(Upper("email"), name="gin_trgm_ops"),
                name="accounts_user_email_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=GinIndex(
                OpClass(Upper("full_name"), name="gin_trgm_ops"),
                name="accounts_user_name_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=GinIndex(
                OpClass(Upper("phone"), name="gin_trgm_ops"),
                name="accounts_user_phone_trgm",
            ),
        ),
    ]

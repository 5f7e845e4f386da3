"""Preferences that change nothing leave: language (no translations) and currency (one currency).

Stored values of those keys are dropped first, so every row satisfies the narrower trigger.
Going back keeps the rows as they are (the wider trigger accepts them).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_history_scrub_function"),
    ]

    operations = [
        SetTimeouts(),
        migrations.RunSQL(
            "UPDATE accounts_user SET preferences = preferences - '{language,currency}'::text[]"
            " WHERE preferences ?| '{language,currency}'::text[]",
            reverse_sql=migrations.RunSQL.noop,
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="user",
            name="preferences_known_keys",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="preferences_known_keys",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n                    IF jsonb_typeof(NEW.preferences) <> 'object'\n                       OR (NEW.preferences - '{newsletter,order_updates,items_per_page,theme}'::text[]) <> '{}'::jsonb THEN\n                        RAISE EXCEPTION 'accounts_user_preferences_known_keys: unknown preference key in %',\n                            NEW.preferences USING ERRCODE = 'check_violation',\n                            CONSTRAINT = 'accounts_user_preferences_known_keys';\n                    END IF;\n                    RETURN NEW;\n                ",
                    hash="db888c8040e065e532a6d50a2fe20d8038cdcafe",
                    operation='INSERT OR UPDATE OF "preferences"',
                    pgid="pgtrigger_preferences_known_keys_334e9",
                    table="accounts_user",
                    when="BEFORE",
                ),
            ),
        ),
    ]

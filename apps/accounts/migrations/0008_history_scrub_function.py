"""Erasure's one change to the user history: a function run with the owner's rights.

The history table is append-only and the application's role may not switch that off. An
erased account's history rows lose their email, name and phone through this function only,
and only once the account itself carries its pseudonym (the erasure has happened).
"""

from django.db import migrations

FUNCTION = r"""
CREATE FUNCTION accounts_user_history_scrub(p_user_id bigint, p_pseudonym text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    guard   name;
    ignored text := current_setting('pgtrigger.ignore', true);
    n       integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM accounts_user WHERE id = p_user_id AND email = p_pseudonym
                   AND p_pseudonym = 'erased-' || p_user_id || '@erased.invalid') THEN
        RAISE EXCEPTION 'accounts_user_history_scrub: user % is not erased', p_user_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT tgname INTO guard FROM pg_trigger
     WHERE tgrelid = 'accounts_historicaluser'::regclass
       AND tgname LIKE 'pgtrigger\_history\_append\_only\_%';
    PERFORM set_config('pgtrigger.ignore', '{' || guard || '}', true);
    UPDATE accounts_historicaluser SET email = p_pseudonym, full_name = '', phone = ''
     WHERE id = p_user_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('pgtrigger.ignore', coalesce(ignored, ''), true);
    RETURN n;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_columns_that_never_change"),
        ("auditing", "0004_definer_functions"),
    ]

    operations = [
        migrations.RunSQL(
            sql=FUNCTION,
            reverse_sql="DROP FUNCTION accounts_user_history_scrub(bigint, text);",
        ),
    ]

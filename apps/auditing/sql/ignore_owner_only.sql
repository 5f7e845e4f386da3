-- pgtrigger's switch-off list honoured for the database's owner only.
--
-- Every trigger made with django-pgtrigger first asks _pgtrigger_should_ignore(TG_NAME)
-- whether the session listed it in the setting `pgtrigger.ignore`, and any session may set
-- that. This version answers "no" unless the session's role is the owner of the database
-- (pg_database_owner: the owner and roles made members of it, which migrations and
-- sanctioned maintenance use), so a rule that keeps data true cannot be switched off by the
-- application's role. pgtrigger writes its own version whenever it installs a trigger;
-- apps/auditing/apps.py puts this one back after every migrate.
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        -- missing_ok: an unset list reads as NULL instead of raising. pgtrigger's own
        -- version catches that error in an exception block, which opens a subtransaction on
        -- every call, that is for every row every row-level trigger sees (measured: half
        -- the time of a 13,000-row ledger statement).
        _raw TEXT := current_setting('pgtrigger.ignore', true);
        _pgtrigger_ignore TEXT[];
    BEGIN
        IF _raw IS NULL OR _raw = ''
           OR NOT pg_has_role(current_user, 'pg_database_owner', 'MEMBER') THEN
            RETURN FALSE;
        END IF;
        -- Only a non-empty list, set by the owner, pays for the block: a malformed list
        -- switches nothing off, as before.
        BEGIN
            _pgtrigger_ignore := _raw::TEXT[];
            EXCEPTION WHEN OTHERS THEN
                RETURN FALSE;
        END;
        RETURN COALESCE(trigger_name = ANY (_pgtrigger_ignore), FALSE);
    END;
$$ LANGUAGE plpgsql;

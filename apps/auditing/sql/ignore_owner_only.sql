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
        _pgtrigger_ignore TEXT[];
    BEGIN
        IF NOT pg_has_role(current_user, 'pg_database_owner', 'MEMBER') THEN
            RETURN FALSE;
        END IF;
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        RETURN COALESCE(trigger_name = ANY (_pgtrigger_ignore), FALSE);
    END;
$$ LANGUAGE plpgsql;

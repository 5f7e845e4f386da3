-- The audit trail stays append-only, with one sanctioned exception: erasure of a person's data
-- (GDPR) may blank personal values inside `changes`, `context` and `ip` when the transaction
-- has declared `auditing.redaction = 'on'`. Who, what, when, which row and which action can
-- never change, and rows can never be deleted; every redaction is itself an audit event.
CREATE OR REPLACE FUNCTION auditing_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('auditing.redaction', true) = 'on'
       AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.txid = OLD.txid
       AND NEW.table_name IS NOT DISTINCT FROM OLD.table_name
       AND NEW.row_pk IS NOT DISTINCT FROM OLD.row_pk
       AND NEW.action = OLD.action
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_kind = OLD.actor_kind AND NEW.source = OLD.source
       AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
       AND NEW.db_role = OLD.db_role
       AND (NEW.ip IS NULL OR NEW.ip = OLD.ip)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'auditing_auditevent_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

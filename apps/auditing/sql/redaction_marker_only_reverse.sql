-- Back to the redaction rules of auditing.0001 (migration 0002 reversed).

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
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_append_only';
END $$;

CREATE OR REPLACE FUNCTION auditing_inbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    in_trail bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO in_trail FROM auditing_auditevent t
        WHERE t.occurred_at = OLD.occurred_at AND t.id = ANY (OLD.ids);
        -- Fewer events than ids only when a one-row update changed nothing.
        IF in_trail = cardinality(OLD.ids)
           OR in_trail = (SELECT count(*) FROM auditing_inbox_events(OLD))
        THEN
            RETURN OLD;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF current_setting('auditing.redaction', true) = 'on'
           AND NEW.occurred_at = OLD.occurred_at AND NEW.txid = OLD.txid
           AND NEW.table_name = OLD.table_name AND NEW.pk_column = OLD.pk_column
           AND NEW.action = OLD.action AND NEW.ids = OLD.ids
           AND NEW.row_pks IS NOT DISTINCT FROM OLD.row_pks
           AND NEW.withheld IS NOT DISTINCT FROM OLD.withheld
           AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
           AND NEW.actor_kind = OLD.actor_kind AND NEW.source = OLD.source
           AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
           AND NEW.db_role = OLD.db_role
           AND (NEW.ip IS NULL OR NEW.ip = OLD.ip)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'auditing_auditevent_inbox_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_append_only';
END $$;

DROP FUNCTION auditing_redacted_from(jsonb, jsonb);

-- Back to the inbox guard of auditing.0002 (migration 0003 reversed).

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
    END IF;
    RAISE EXCEPTION 'auditing_auditevent_inbox_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_append_only';
END $$;

-- Redaction replaces personal values with the marker, nothing else (migration 0002).
--
-- Erasure (audit_redact) may rewrite an event's `changes` and `context` only by replacing
-- parts of their strings with "[erased]": the same keys, the same array lengths, the same
-- numbers, booleans and nulls, and every string either unchanged or the old string with some
-- of its text replaced by the marker. Inventing content, dropping a key or rewriting a value
-- is refused. Inbox captures are never rewritten at all: erasure drains the inbox first.

-- True when `after` is `before` with parts of its strings replaced by "[erased]".
CREATE FUNCTION auditing_redacted_from(before jsonb, after jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    key     text;
    i       integer;
    pattern text;
BEGIN
    IF before IS NULL OR after IS NULL THEN
        RETURN before IS NOT DISTINCT FROM after;
    END IF;
    IF jsonb_typeof(before) <> jsonb_typeof(after) THEN
        RETURN false;
    END IF;
    CASE jsonb_typeof(before)
    WHEN 'object' THEN
        IF ARRAY(SELECT jsonb_object_keys(before) ORDER BY 1)
           <> ARRAY(SELECT jsonb_object_keys(after) ORDER BY 1) THEN
            RETURN false;
        END IF;
        FOR key IN SELECT jsonb_object_keys(before) LOOP
            IF NOT auditing_redacted_from(before -> key, after -> key) THEN
                RETURN false;
            END IF;
        END LOOP;
        RETURN true;
    WHEN 'array' THEN
        IF jsonb_array_length(before) <> jsonb_array_length(after) THEN
            RETURN false;
        END IF;
        FOR i IN 0 .. jsonb_array_length(before) - 1 LOOP
            IF NOT auditing_redacted_from(before -> i, after -> i) THEN
                RETURN false;
            END IF;
        END LOOP;
        RETURN true;
    WHEN 'string' THEN
        IF before = after THEN
            RETURN true;
        END IF;
        IF position('[erased]' IN after #>> '{}') = 0 THEN
            RETURN false;  -- a changed string without the marker: invented content
        END IF;
        -- The text around the markers stands in the old string, in order; each marker
        -- replaced at least one character.
        SELECT '^' || string_agg(regexp_replace(piece, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g'),
                                 '.+' ORDER BY n) || '$'
          INTO pattern
          FROM unnest(string_to_array(after #>> '{}', '[erased]')) WITH ORDINALITY AS p(piece, n);
        RETURN (before #>> '{}') ~ pattern;
    ELSE
        RETURN before = after;  -- numbers, booleans and nulls are never personal text
    END CASE;
END $$;

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
       AND auditing_redacted_from(OLD.changes, NEW.changes)
       AND auditing_redacted_from(OLD.context, NEW.context)
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
    END IF;
    RAISE EXCEPTION 'auditing_auditevent_inbox_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_append_only';
END $$;

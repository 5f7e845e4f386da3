-- A capture the drain cannot move goes into quarantine instead of stopping the drain; and
-- only the audit trigger writes captures.
--
-- Before, one capture the trail refused (a value no longer valid, a clash of keys) failed
-- every drain after it: nothing behind it reached the trail again. Now the drain moves its
-- batch in one statement as before; if that fails for a reason that will not pass by waiting
-- (not a lock, a deadlock, a serialization failure, a lack of resources or a shutdown), it
-- moves the captures one by one and puts each one the trail refuses into
-- auditing_auditevent_quarantine: the capture exactly as it was, with the error. Nothing is
-- lost: the quarantine keeps it (append-only), /healthz and the watchdog report it, and the
-- inbox lets a capture go only when the trail holds its events, or the quarantine holds it.

CREATE TABLE auditing_auditevent_quarantine (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    capture        jsonb       NOT NULL,  -- the inbox row as it was (to_jsonb)
    sqlstate       text        NOT NULL,
    error          text        NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION auditing_quarantine_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auditing_auditevent_quarantine_append_only: % on % refused, quarantined captures are kept',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_quarantine_append_only';
END $$;
CREATE TRIGGER auditing_auditevent_quarantine_append_only
    BEFORE UPDATE OR DELETE ON auditing_auditevent_quarantine
    FOR EACH ROW EXECUTE FUNCTION auditing_quarantine_refuse();
CREATE TRIGGER auditing_auditevent_quarantine_no_truncate
    BEFORE TRUNCATE ON auditing_auditevent_quarantine
    FOR EACH STATEMENT EXECUTE FUNCTION auditing_quarantine_refuse();

-- Captures are written by the audit trigger only: a row inserted into the inbox by a
-- statement of its own (not from inside a trigger) would be a forged event. The WHEN clause
-- costs the capture nothing (no function call when it is false).
CREATE FUNCTION auditing_inbox_capture_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auditing_auditevent_inbox_capture_only: % on % refused, captures are written by the audit trigger only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_capture_only';
END $$;
CREATE TRIGGER auditing_auditevent_inbox_capture_only
    BEFORE INSERT ON auditing_auditevent_inbox
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION auditing_inbox_capture_only();

-- The guard of 0003 (the trail holds the capture's events as they are), or: the quarantine
-- holds the capture exactly.
CREATE OR REPLACE FUNCTION auditing_inbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (
        SELECT e.id, e.row_pk, e.action, e.changes FROM auditing_inbox_events(OLD) e
        EXCEPT
        SELECT t.id, t.row_pk, t.action, t.changes FROM auditing_auditevent t
        WHERE t.occurred_at = OLD.occurred_at AND t.id = ANY (OLD.ids)
          AND t.txid = OLD.txid AND t.table_name = OLD.table_name
          AND t.actor_id IS NOT DISTINCT FROM OLD.actor_id
          AND t.actor_kind = OLD.actor_kind AND t.source = OLD.source
          AND t.request_id IS NOT DISTINCT FROM OLD.request_id
          AND t.ip IS NOT DISTINCT FROM OLD.ip AND t.db_role = OLD.db_role
          AND t.context IS NOT DISTINCT FROM OLD.context
    ) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM auditing_auditevent_quarantine q WHERE q.capture = to_jsonb(OLD)
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'auditing_auditevent_inbox_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_append_only';
END $$;

-- The drain of inbox.sql, with the quarantine (and, as in definer.sql, the owner's rights).
CREATE OR REPLACE FUNCTION auditing_inbox_drain(batch_size integer, wait boolean DEFAULT false)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    picked tid[] := '{}';
    taken  integer := 0;
    cur    refcursor;
    r      record;
    one    tid;
    state  text;
    msg    text;
BEGIN
    IF wait THEN
        OPEN cur FOR SELECT ctid, cardinality(ids) AS n FROM auditing_auditevent_inbox FOR UPDATE;
    ELSE
        OPEN cur FOR SELECT ctid, cardinality(ids) AS n FROM auditing_auditevent_inbox FOR UPDATE SKIP LOCKED;
    END IF;
    LOOP
        FETCH cur INTO r;
        EXIT WHEN NOT FOUND;
        picked := picked || r.ctid;
        taken := taken + r.n;
        EXIT WHEN taken >= batch_size;
    END LOOP;
    CLOSE cur;
    IF cardinality(picked) = 0 THEN
        RETURN 0;
    END IF;
    BEGIN
        INSERT INTO auditing_auditevent
            (id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
             source, request_id, ip, db_role, context)
        SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
               source, request_id, ip, db_role, context
        FROM auditing_auditevent_inbox_events
        WHERE inbox_ctid = ANY (picked);
        DELETE FROM auditing_auditevent_inbox WHERE ctid = ANY (picked);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
        IF left(state, 2) IN ('40', '53', '55', '57', '58') THEN
            RAISE;  -- passes by waiting: the next drain tries again
        END IF;
        FOREACH one IN ARRAY picked LOOP
            BEGIN
                INSERT INTO auditing_auditevent
                    (id, occurred_at, txid, table_name, row_pk, action, changes, actor_id,
                     actor_kind, source, request_id, ip, db_role, context)
                SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id,
                       actor_kind, source, request_id, ip, db_role, context
                FROM auditing_auditevent_inbox_events
                WHERE inbox_ctid = one;
                DELETE FROM auditing_auditevent_inbox WHERE ctid = one;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                IF left(state, 2) IN ('40', '53', '55', '57', '58') THEN
                    RAISE;
                END IF;
                INSERT INTO auditing_auditevent_quarantine (capture, sqlstate, error)
                SELECT to_jsonb(i), state, msg FROM auditing_auditevent_inbox i WHERE ctid = one;
                DELETE FROM auditing_auditevent_inbox WHERE ctid = one;
            END;
        END LOOP;
    END;
    RETURN taken;
END $$;

-- A quarantined capture moves into the trail once its cause is repaired (migration 0008).
--
-- The quarantine keeps what the drain could not move (quarantine.sql): append-only, so a
-- capture stays there for good. auditing_quarantine_retry(ids) moves the events of the given
-- quarantined captures into the trail, exactly as the drain would have (same ids, time,
-- transaction, actor, ...), each capture in a subtransaction of its own: one the trail still
-- refuses is reported back with its error and stays as it was. A capture whose events the
-- trail already holds as they are (an operator wrote them by hand, as the owner) counts as
-- moved; one whose ids the trail holds with other content does not. Each capture moved is
-- recorded, once, in auditing_auditevent_quarantine_moved (append-only, written by this
-- function only): /healthz and the watchdog report the captures not moved yet. A capture moved
-- before is passed over (not returned).

CREATE TABLE auditing_auditevent_quarantine_moved (
    quarantine_id bigint      PRIMARY KEY REFERENCES auditing_auditevent_quarantine (id),
    moved_at      timestamptz NOT NULL DEFAULT now(),
    db_role       text        NOT NULL DEFAULT session_user
);
CREATE TRIGGER auditing_auditevent_quarantine_moved_append_only
    BEFORE UPDATE OR DELETE ON auditing_auditevent_quarantine_moved
    FOR EACH ROW EXECUTE FUNCTION auditing_quarantine_refuse();
CREATE TRIGGER auditing_auditevent_quarantine_moved_no_truncate
    BEFORE TRUNCATE ON auditing_auditevent_quarantine_moved
    FOR EACH STATEMENT EXECUTE FUNCTION auditing_quarantine_refuse();

CREATE FUNCTION auditing_quarantine_retry(p_ids bigint[])
RETURNS TABLE (capture_id bigint, moved boolean, error_sqlstate text, error_message text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    q     record;
    i     auditing_auditevent_inbox;
    state text;
    msg   text;
BEGIN
    -- Locked, so two retries of one capture take turns; the second finds it moved.
    FOR q IN SELECT c.id, c.capture FROM auditing_auditevent_quarantine c
             WHERE c.id = ANY (p_ids) ORDER BY c.id FOR UPDATE
    LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM auditing_auditevent_quarantine_moved m
                              WHERE m.quarantine_id = q.id);
        i := jsonb_populate_record(NULL::auditing_auditevent_inbox, q.capture);
        BEGIN
            INSERT INTO auditing_auditevent
                (id, occurred_at, txid, table_name, row_pk, action, changes, actor_id,
                 actor_kind, source, request_id, ip, db_role, context)
            SELECT e.id, i.occurred_at, i.txid, i.table_name, e.row_pk, e.action, e.changes,
                   i.actor_id, i.actor_kind, i.source, i.request_id, i.ip, i.db_role,
                   i.context
            FROM auditing_inbox_events(i) e
            WHERE NOT EXISTS (SELECT 1 FROM auditing_auditevent t
                              WHERE t.id = e.id AND t.occurred_at = i.occurred_at);
            -- Every event in the trail as it is, as the inbox guard asks (guard_by_key.sql).
            IF EXISTS (
                SELECT 1
                FROM auditing_inbox_events(i) e
                LEFT JOIN LATERAL (
                    SELECT t.* FROM auditing_auditevent t
                    WHERE t.id = e.id AND t.occurred_at = i.occurred_at
                    OFFSET 0
                ) t ON true
                WHERE t.id IS NULL
                   OR (t.txid = i.txid AND t.table_name = i.table_name
                       AND t.row_pk IS NOT DISTINCT FROM e.row_pk AND t.action = e.action
                       AND t.changes IS NOT DISTINCT FROM e.changes
                       AND t.actor_id IS NOT DISTINCT FROM i.actor_id
                       AND t.actor_kind = i.actor_kind AND t.source = i.source
                       AND t.request_id IS NOT DISTINCT FROM i.request_id
                       AND t.ip IS NOT DISTINCT FROM i.ip AND t.db_role = i.db_role
                       AND t.context IS NOT DISTINCT FROM i.context) IS NOT TRUE
            ) THEN
                RAISE EXCEPTION 'auditing_quarantine_retry: the trail holds other events with the ids of capture %', q.id
                    USING ERRCODE = 'unique_violation', CONSTRAINT = 'auditing_auditevent_pkey';
            END IF;
            INSERT INTO auditing_auditevent_quarantine_moved (quarantine_id) VALUES (q.id);
            capture_id := q.id; moved := true; error_sqlstate := NULL; error_message := NULL;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            IF left(state, 2) IN ('40', '53', '55', '57', '58') THEN
                RAISE;  -- passes by waiting: the retry may be made again
            END IF;
            capture_id := q.id; moved := false; error_sqlstate := state; error_message := msg;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION auditing_quarantine_retry(bigint[]) FROM PUBLIC;

-- A capture leaves the inbox only when the trail holds its events as they are (migration 0003).
--
-- The guard used to check that the trail held rows with the capture's ids and time: rows
-- forged with those ids (and any content) let a real capture be deleted, its events lost.
-- Now every event the capture stands for must be in the trail with the same id, time,
-- transaction, table, row, action, changes and context, by the same actor, source, request,
-- address and database role.
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
    RAISE EXCEPTION 'auditing_auditevent_inbox_append_only: % on % refused, the audit trail is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'auditing_auditevent_inbox_append_only';
END $$;

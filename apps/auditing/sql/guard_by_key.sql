-- The inbox guard finds a capture's events in the trail by the trail's key (migration 0006).
--
-- The guard of 0003/0005 asked for the trail rows with `id = ANY (ids)`, the capture's time,
-- table, transaction, ... in one WHERE clause. The drain deletes captures one row at a time,
-- so that query runs once per capture, with a plan PL/pgSQL keeps. In a partition nobody has
-- analysed yet (a new month, a new database) the planner took the (table_name, id) index for
-- it: every capture then read all of its table's events in the partition, and the drain
-- slowed down as the partition filled, until autovacuum analysed it (docs/auditing.md has the
-- figures, bench/drain_versions.py measures them). The guard of 0002 looked up ids and time
-- only and was not affected.
--
-- Now each event is looked up by (id, occurred_at), the trail's primary key (one row at
-- most, whatever the statistics say), and compared afterwards. What it accepts is unchanged:
-- every event the capture stands for in the trail with the same id, time, transaction, table,
-- row, action, changes and context, by the same actor, source, request, address and database
-- role; or the capture exactly as it was in the quarantine.
CREATE OR REPLACE FUNCTION auditing_inbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (
        SELECT 1
        FROM auditing_inbox_events(OLD) e
        LEFT JOIN LATERAL (
            SELECT t.* FROM auditing_auditevent t
            WHERE t.id = e.id AND t.occurred_at = OLD.occurred_at
            OFFSET 0  -- a lookup by key per event, never a join the statistics could choose
        ) t ON true
        WHERE t.id IS NULL
           OR (t.txid = OLD.txid AND t.table_name = OLD.table_name
               AND t.row_pk IS NOT DISTINCT FROM e.row_pk AND t.action = e.action
               AND t.changes IS NOT DISTINCT FROM e.changes
               AND t.actor_id IS NOT DISTINCT FROM OLD.actor_id
               AND t.actor_kind = OLD.actor_kind AND t.source = OLD.source
               AND t.request_id IS NOT DISTINCT FROM OLD.request_id
               AND t.ip IS NOT DISTINCT FROM OLD.ip AND t.db_role = OLD.db_role
               AND t.context IS NOT DISTINCT FROM OLD.context) IS NOT TRUE
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

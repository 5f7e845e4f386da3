-- Capture through an inbox (migration 0004).
--
-- The trigger no longer writes to the partitioned, indexed trail. It appends the statement's
-- rows, as JSON images, to `auditing_auditevent_inbox`: a plain table with no index and no
-- CHECK, so a write pays for one cheap heap insert per row and nothing per partition or
-- index. The diff ({column: [old, new]}) is computed from the images when the row leaves the
-- inbox: the job `auditing.inbox_drain` calls auditing_inbox_drain() every few seconds, which
-- moves rows into the trail in batches. Readers see both at once through the view
-- `auditing_auditevent_all` (the AuditEvent model), so an event is visible the moment its
-- transaction commits.
--
-- Ids come from the trail's own identity sequence at capture, so they stay globally ordered
-- and an event keeps its id when it moves.

CREATE TABLE auditing_auditevent_inbox (
    id          bigint      NOT NULL DEFAULT nextval('auditing_auditevent_id_seq'),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    txid        bigint      NOT NULL DEFAULT txid_current(),
    table_name  text        NOT NULL,
    pk_column   text        NOT NULL,
    action      text        NOT NULL,   -- insert / update / delete: the statement's operation
    old_row     json,                   -- update, delete: the row before, sensitive columns left out
    new_row     json,                   -- insert, update: the row after, sensitive columns left out
    withheld    text[],                 -- update: the sensitive columns that changed
    actor_id    bigint,
    actor_kind  text        NOT NULL,
    source      text        NOT NULL,
    request_id  text,
    ip          inet,
    db_role     text        NOT NULL DEFAULT current_user,
    context     jsonb
) WITH (
    -- Rows come and go every few seconds: vacuum after a few thousand dead rows.
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 50000
);

-- The event an inbox row stands for, exactly as the trail keeps it: insert → the new row,
-- delete → the old row, update → only the changed columns as {column: [old, new]} (a changed
-- sensitive column as ["[withheld]", "[withheld]"]), soft_delete / restore when deleted_at
-- goes null → set / set → null. An update that changed nothing yields no row.
-- row_to_json() at capture and ::jsonb here give exactly what to_jsonb() gives (same
-- type mapping: numbers stay numbers), at about half the capture cost.
CREATE FUNCTION auditing_inbox_event(
    p_action text, p_pk text, p_old json, p_new json, p_withheld text[]
) RETURNS TABLE (row_pk text, action text, changes jsonb)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_action = 'delete' THEN r.o ELSE r.n END ->> p_pk,
           CASE
               WHEN p_action <> 'update' THEN p_action
               WHEN d.diff ? 'deleted_at' AND r.o->'deleted_at' = 'null'::jsonb THEN 'soft_delete'
               WHEN d.diff ? 'deleted_at' AND r.n->'deleted_at' = 'null'::jsonb THEN 'restore'
               ELSE 'update'
           END,
           CASE p_action WHEN 'insert' THEN r.n WHEN 'delete' THEN r.o ELSE d.diff END
    -- OFFSET 0: parse each image once, not once per use.
    FROM (SELECT p_old::jsonb AS o, p_new::jsonb AS n OFFSET 0) r
    CROSS JOIN LATERAL (
        SELECT jsonb_object_agg(c.key, c.value) AS diff
        FROM (
            SELECT k.key, jsonb_build_array(r.o->k.key, r.n->k.key) AS value
            FROM jsonb_object_keys(CASE WHEN p_action = 'update' THEN r.n END) AS k(key)
            WHERE (r.o->k.key) IS DISTINCT FROM (r.n->k.key)
            UNION ALL
            SELECT w, '["[withheld]", "[withheld]"]'::jsonb FROM unnest(p_withheld) AS w
        ) c
    ) d
    WHERE p_action <> 'update' OR d.diff IS NOT NULL
$$;

-- The inbox's rows as audit events (plus where each row sits, for the drain).
CREATE VIEW auditing_auditevent_inbox_events AS
SELECT i.ctid AS inbox_ctid, i.id, i.occurred_at, i.txid, i.table_name, e.row_pk, e.action,
       e.changes, i.actor_id, i.actor_kind, i.source, i.request_id, i.ip, i.db_role, i.context
FROM auditing_auditevent_inbox i
CROSS JOIN LATERAL auditing_inbox_event(i.action, i.pk_column, i.old_row, i.new_row, i.withheld) e;

-- What the application reads (the AuditEvent model): the trail and the inbox as one.
CREATE VIEW auditing_auditevent_all AS
SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
       source, request_id, ip, db_role, context
FROM auditing_auditevent
UNION ALL
SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
       source, request_id, ip, db_role, context
FROM auditing_auditevent_inbox_events;

-- The inbox is append-only too. A row may leave it only once the trail holds its event
-- (same id and occurred_at), or when it is an update that changed nothing; erasure may
-- blank personal values as in the trail (redaction.sql); TRUNCATE is refused.
CREATE FUNCTION auditing_inbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM auditing_auditevent t
                   WHERE t.id = OLD.id AND t.occurred_at = OLD.occurred_at)
           OR NOT EXISTS (SELECT 1 FROM auditing_inbox_event(OLD.action, OLD.pk_column,
                                                             OLD.old_row, OLD.new_row, OLD.withheld))
        THEN
            RETURN OLD;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF current_setting('auditing.redaction', true) = 'on'
           AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.txid = OLD.txid
           AND NEW.table_name = OLD.table_name AND NEW.pk_column = OLD.pk_column
           AND NEW.action = OLD.action
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
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER auditing_auditevent_inbox_append_only
    BEFORE UPDATE OR DELETE ON auditing_auditevent_inbox
    FOR EACH ROW EXECUTE FUNCTION auditing_inbox_guard();

CREATE TRIGGER auditing_auditevent_inbox_no_truncate
    BEFORE TRUNCATE ON auditing_auditevent_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION auditing_inbox_guard();

-- Move up to `batch_size` inbox rows into the trail; returns how many left the inbox.
-- Safe on several workers at once: each takes rows no other holds (SKIP LOCKED). With
-- `wait`, it waits for rows other drains hold instead (erasure must see every event).
-- Rows are taken in storage order, which is capture order but for reused space: the inbox
-- has no index to keep writes cheap, and an event's id was fixed at capture anyway.
CREATE FUNCTION auditing_inbox_drain(batch_size integer, wait boolean DEFAULT false)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    picked tid[];
    moved  integer;
BEGIN
    IF wait THEN
        SELECT array_agg(s.ctid) INTO picked
        FROM (SELECT ctid FROM auditing_auditevent_inbox LIMIT batch_size FOR UPDATE) s;
    ELSE
        SELECT array_agg(s.ctid) INTO picked
        FROM (SELECT ctid FROM auditing_auditevent_inbox LIMIT batch_size FOR UPDATE SKIP LOCKED) s;
    END IF;
    IF picked IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO auditing_auditevent
        (id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
         source, request_id, ip, db_role, context)
    SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
           source, request_id, ip, db_role, context
    FROM auditing_auditevent_inbox_events
    WHERE inbox_ctid = ANY (picked);
    DELETE FROM auditing_auditevent_inbox WHERE ctid = ANY (picked);
    GET DIAGNOSTICS moved = ROW_COUNT;
    RETURN moved;
END $$;

-- The ONE audit trigger function, now writing to the inbox. Attached per table as three
-- statement-level triggers (AFTER INSERT / UPDATE / DELETE, transition tables new_rows /
-- old_rows). TG_ARGV[0]: primary key column; TG_ARGV[1]: sensitive columns, a text[] literal.
--
-- Old and new rows of an UPDATE pair up by position: PostgreSQL appends a row's old and new
-- version to the two transition tables together, so the n-th rows belong together. (The
-- previous version paired them on the primary key and so recorded nothing for a row whose
-- key changed; now such a row's event shows the key change too.) Zipping two arrays needs no
-- join: no plan that suits one row but not 100k (PL/pgSQL caches plans), no sort, and a
-- plan cheap enough that JIT compilation (half a second) never starts.
CREATE OR REPLACE FUNCTION auditing_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ctx       jsonb  := auditing_context();
    pk        text   := TG_ARGV[0];
    hidden    text[] := TG_ARGV[1]::text[];
    v_source  text   := COALESCE(ctx->>'source', 'sql');
    v_kind    text   := COALESCE(ctx->>'actor_kind', 'system');
    v_actor   bigint := (ctx->>'actor_id')::bigint;
    v_request text   := ctx->>'request_id';
    v_ip      inet   := (ctx->>'ip')::inet;
    v_extra   jsonb  := NULLIF(ctx->'extra', 'null'::jsonb);
    chunk_rows integer := 50000;
    done      bigint := 0;
    got       integer;
BEGIN
    -- The trail's CHECKs, tested here once per statement: a bad context must fail the
    -- writing statement, not the drain later.
    IF v_source NOT IN ('web', 'admin', 'task', 'command', 'sql') THEN
        RAISE EXCEPTION 'new row for relation "auditing_auditevent" violates check constraint "auditing_auditevent_source_valid"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'auditing_auditevent_source_valid';
    END IF;
    IF v_kind NOT IN ('customer', 'staff', 'system', 'anonymous') THEN
        RAISE EXCEPTION 'new row for relation "auditing_auditevent" violates check constraint "auditing_auditevent_actor_kind_valid"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'auditing_auditevent_actor_kind_valid';
    END IF;
    IF hidden = '{}' THEN
        -- The common case: row_to_json(), the cheapest typed image.
        IF TG_OP = 'INSERT' THEN
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, new_row, actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'insert', row_to_json(n),
                   v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM new_rows n;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, old_row, actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'delete', row_to_json(o),
                   v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM old_rows o;
        ELSE
            -- Old and new versions zip by position (see above) in chunks of `chunk_rows`,
            -- which bounds the memory a huge UPDATE needs (an array holds at most 1 GB).
            -- Equal images: the update changed nothing, no event (the text test is the
            -- cheap first cut; the drain's jsonb diff is the exact one).
            LOOP
                WITH chunk AS (
                    -- Images made above the LIMIT: rows OFFSET skips are not converted.
                    SELECT ARRAY(SELECT row_to_json(x) FROM (SELECT * FROM old_rows LIMIT chunk_rows OFFSET done) x) AS o,
                           ARRAY(SELECT row_to_json(y) FROM (SELECT * FROM new_rows LIMIT chunk_rows OFFSET done) y) AS n
                ), captured AS (
                    INSERT INTO auditing_auditevent_inbox
                        (table_name, pk_column, action, old_row, new_row, actor_id, actor_kind, source, request_id, ip, context)
                    SELECT TG_TABLE_NAME, pk, 'update', z.o, z.n,
                           v_actor, v_kind, v_source, v_request, v_ip, v_extra
                    FROM chunk CROSS JOIN unnest(chunk.o, chunk.n) AS z(o, n)
                    WHERE z.o::text IS DISTINCT FROM z.n::text
                )
                SELECT cardinality(chunk.n) INTO got FROM chunk;
                EXIT WHEN got < chunk_rows;
                done := done + chunk_rows;
            END LOOP;
        END IF;
    ELSE
        -- Sensitive columns never reach the inbox: only whether they changed.
        IF TG_OP = 'INSERT' THEN
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, new_row, actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'insert', (to_jsonb(n) - hidden)::json,
                   v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM new_rows n;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, old_row, actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'delete', (to_jsonb(o) - hidden)::json,
                   v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM old_rows o;
        ELSE
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, old_row, new_row, withheld, actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'update', (p.o - hidden)::json, (p.n - hidden)::json,
                   NULLIF(ARRAY(SELECT h FROM unnest(hidden) AS h
                                WHERE (p.o->h) IS DISTINCT FROM (p.n->h) ORDER BY h), '{}'),
                   v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM (SELECT o.j AS o, n.j AS n
                    FROM (SELECT row_number() OVER () AS pos, to_jsonb(x) AS j FROM old_rows x) o
                    FULL JOIN (SELECT row_number() OVER () AS pos, to_jsonb(y) AS j FROM new_rows y) n
                        ON o.pos = n.pos) p
            WHERE p.o IS DISTINCT FROM p.n;
        END IF;
    END IF;
    RETURN NULL;
END $$;

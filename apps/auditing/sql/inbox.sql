-- Capture into an inbox, one capture per statement; a job drains captures into the trail.
--
-- Every audited table has three statement-level AFTER triggers (INSERT / UPDATE / DELETE,
-- with transition tables) that call ONE function, auditing_capture(). It does not write to
-- the partitioned, indexed trail: it appends one *capture* per statement (per 50,000 rows) to
-- `auditing_auditevent_inbox`, a plain table with no index and no CHECK, with one event id per
-- row taken from the trail's identity sequence, so ids stay globally ordered and an event
-- keeps its id when it moves:
--
--   insert / delete:        the new / old row images, as one JSON array;
--   update of one row:      the old and new image (the usual save; the cheapest to capture,
--                           with a plan PL/pgSQL can keep); the drain computes the diff;
--   update of several rows: the trigger compares the rows column by column in their own
--                           types and keeps only what changed, {column: [old, new]}, with
--                           the rows' primary keys. The statement is generated from the
--                           table's columns each time, so an added or dropped column is
--                           simply part of the next capture.
--
-- The drain (auditing_inbox_drain(), job `auditing.inbox_drain`) expands captures into events
-- exactly as the trail keeps them. Readers read the trail (indexed, independent of how much
-- waits here); `auditing_auditevent_all` adds the waiting events for the few reads that must
-- be complete at once (an export of a person's data).

CREATE TABLE auditing_auditevent_inbox (
    occurred_at timestamptz NOT NULL DEFAULT now(),
    txid        bigint      NOT NULL DEFAULT txid_current(),
    table_name  text        NOT NULL,
    pk_column   text        NOT NULL,
    action      text        NOT NULL,   -- insert / update / delete: the statement's operation
    ids         bigint[]    NOT NULL,   -- one event id per captured row, in row order
    old_rows    json,                   -- delete, one-row update: JSON array of row images
    new_rows    json,                   -- insert, one-row update: JSON array of row images
    withheld    text[],                 -- one-row update: the sensitive columns that changed
    row_pks     text[],                 -- multi-row update: the changed rows' primary keys
    changes     text,                   -- multi-row update: JSON array of {column: [old, new]}
    actor_id    bigint,
    actor_kind  text        NOT NULL,
    source      text        NOT NULL,
    request_id  text,
    ip          inet,
    db_role     text        NOT NULL DEFAULT current_user,
    context     jsonb
) WITH (
    -- Captures live for seconds: vacuum once a drain has deleted a thousand of them. Never
    -- for inserts alone (-1): during a burst of writes that would scan the growing inbox
    -- again and again, taking CPU from the writers, to freeze rows the drain deletes anyway.
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_threshold = -1
);
-- Captures live for seconds: store big values out of line as they are, uncompressed
-- (compressing costs the writer more than the few seconds of disk are worth).
ALTER TABLE auditing_auditevent_inbox
    ALTER COLUMN ids SET STORAGE EXTERNAL,
    ALTER COLUMN old_rows SET STORAGE EXTERNAL,
    ALTER COLUMN new_rows SET STORAGE EXTERNAL,
    ALTER COLUMN row_pks SET STORAGE EXTERNAL,
    ALTER COLUMN changes SET STORAGE EXTERNAL;

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


-- The events a capture stands for, exactly as the trail keeps them (see auditing_inbox_event
-- for the one-row update; a multi-row update's action follows the same deleted_at rule).
CREATE FUNCTION auditing_inbox_events(i auditing_auditevent_inbox)
RETURNS TABLE (id bigint, row_pk text, action text, changes jsonb)
LANGUAGE sql STABLE AS $$
    SELECT e.id, e.image ->> i.pk_column, i.action, e.image
    FROM unnest(i.ids, ARRAY(SELECT x::jsonb FROM json_array_elements(
             CASE i.action WHEN 'insert' THEN i.new_rows ELSE i.old_rows END) AS x)) AS e(id, image)
    WHERE i.action IN ('insert', 'delete')
    UNION ALL
    SELECT e.id, e.pk,
           CASE
               WHEN e.diff ? 'deleted_at' AND e.diff->'deleted_at'->0 = 'null'::jsonb THEN 'soft_delete'
               WHEN e.diff ? 'deleted_at' AND e.diff->'deleted_at'->1 = 'null'::jsonb THEN 'restore'
               ELSE 'update'
           END,
           e.diff
    FROM unnest(i.ids, i.row_pks,
                ARRAY(SELECT x::jsonb FROM json_array_elements(i.changes::json) AS x)) AS e(id, pk, diff)
    WHERE i.action = 'update' AND i.changes IS NOT NULL
    UNION ALL
    SELECT i.ids[1], ev.row_pk, ev.action, ev.changes
    FROM auditing_inbox_event('update', i.pk_column, i.old_rows->0, i.new_rows->0, i.withheld) AS ev
    WHERE i.action = 'update' AND i.changes IS NULL
$$;

-- The inbox's events (plus the capture each comes from, for the drain).
CREATE VIEW auditing_auditevent_inbox_events AS
SELECT i.ctid AS inbox_ctid, e.id, i.occurred_at, i.txid, i.table_name, e.row_pk, e.action,
       e.changes, i.actor_id, i.actor_kind, i.source, i.request_id, i.ip, i.db_role, i.context
FROM auditing_auditevent_inbox i
CROSS JOIN LATERAL auditing_inbox_events(i) e;

-- What the application reads (the AuditEvent model): the trail and the inbox as one.
CREATE VIEW auditing_auditevent_all AS
SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
       source, request_id, ip, db_role, context
FROM auditing_auditevent
UNION ALL
SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
       source, request_id, ip, db_role, context
FROM auditing_auditevent_inbox_events;

-- The inbox is append-only too. A capture may leave it only once the trail holds every one
-- of its events (same ids and occurred_at); erasure may blank personal values as in the
-- trail (redaction.sql); TRUNCATE is refused.
CREATE FUNCTION auditing_inbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER auditing_auditevent_inbox_append_only
    BEFORE UPDATE OR DELETE ON auditing_auditevent_inbox
    FOR EACH ROW EXECUTE FUNCTION auditing_inbox_guard();

CREATE TRIGGER auditing_auditevent_inbox_no_truncate
    BEFORE TRUNCATE ON auditing_auditevent_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION auditing_inbox_guard();

-- Move captures holding about `batch_size` events into the trail (whole captures: at least
-- one, then more until the events reach batch_size); returns how many event ids left the
-- inbox. Safe on several workers at once: each takes captures no other holds (SKIP LOCKED;
-- the cursor locks only what it fetches). With `wait`, it waits for captures other drains
-- hold instead (erasure must see every event). Captures are taken in storage order.
CREATE FUNCTION auditing_inbox_drain(batch_size integer, wait boolean DEFAULT false)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    picked tid[] := '{}';
    taken  integer := 0;
    cur    refcursor;
    r      record;
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
    INSERT INTO auditing_auditevent
        (id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
         source, request_id, ip, db_role, context)
    SELECT id, occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind,
           source, request_id, ip, db_role, context
    FROM auditing_auditevent_inbox_events
    WHERE inbox_ctid = ANY (picked);
    DELETE FROM auditing_auditevent_inbox WHERE ctid = ANY (picked);
    RETURN taken;
END $$;

-- The ONE audit trigger function. Attached per table as three statement-level triggers
-- (AFTER INSERT / UPDATE / DELETE, transition tables new_rows / old_rows). TG_ARGV[0]: primary
-- key column; TG_ARGV[1]: sensitive columns, a text[] literal (never copied; a change to one
-- is recorded as ["[withheld]", "[withheld]"]).
--
-- Old and new rows of an UPDATE pair up by position: PostgreSQL appends a row's old and new
-- version to the two transition tables together. Statements of any size get a plan that suits
-- them: the static statements below only ever see one row (update) or scan rows once (insert,
-- delete), and the multi-row update's statement is planned for each execution (EXECUTE).
-- Rows are referred to as `o.*` / `n.*`: a bare `o` would mean a column of that name.
-- The source and actor kind are checked here, once per statement, by their domains (see
-- trail.sql): a bad context fails the writing statement, not the drain later.
CREATE FUNCTION auditing_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ctx        jsonb  := auditing_context();
    pk         text   := TG_ARGV[0];
    hidden     text[] := TG_ARGV[1]::text[];
    v_source   auditing_source     := COALESCE(ctx->>'source', 'sql');
    v_kind     auditing_actor_kind := COALESCE(ctx->>'actor_kind', 'system');
    v_actor    bigint := (ctx->>'actor_id')::bigint;
    v_request  text   := ctx->>'request_id';
    v_ip       inet   := (ctx->>'ip')::inet;
    v_extra    jsonb  := NULLIF(ctx->'extra', 'null'::jsonb);
    chunk_rows integer := 50000;
    done       bigint := 0;
    total      bigint;
    got        integer;
    aliases    text;
    diff       text;
    pk_alias   text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT count(*) INTO total FROM (SELECT FROM new_rows LIMIT 2) s;
        IF total = 0 THEN
            RETURN NULL;
        ELSIF total = 1 THEN
            -- One row: both images (sensitive columns removed, only whether they changed
            -- kept). Only ever planned for one row (a gate inside this statement would leave
            -- a plan that JIT-compiles, ~0.2 s, whenever a big UPDATE comes by).
            IF hidden = '{}' THEN
                INSERT INTO auditing_auditevent_inbox
                    (table_name, pk_column, action, ids, old_rows, new_rows,
                     actor_id, actor_kind, source, request_id, ip, context)
                SELECT TG_TABLE_NAME, pk, 'update', ARRAY[nextval('auditing_auditevent_id_seq')],
                       json_build_array(row_to_json(o.*)), json_build_array(row_to_json(n.*)),
                       v_actor, v_kind, v_source, v_request, v_ip, v_extra
                FROM old_rows o, new_rows n;
            ELSE
                INSERT INTO auditing_auditevent_inbox
                    (table_name, pk_column, action, ids, old_rows, new_rows, withheld,
                     actor_id, actor_kind, source, request_id, ip, context)
                SELECT TG_TABLE_NAME, pk, 'update', ARRAY[nextval('auditing_auditevent_id_seq')],
                       json_build_array((p.o - hidden)::json), json_build_array((p.n - hidden)::json),
                       NULLIF(ARRAY(SELECT h FROM unnest(hidden) AS h
                                    WHERE (p.o->h) IS DISTINCT FROM (p.n->h) ORDER BY h), '{}'),
                       v_actor, v_kind, v_source, v_request, v_ip, v_extra
                FROM (SELECT to_jsonb(o.*) AS o, to_jsonb(n.*) AS n FROM old_rows o, new_rows n) p;
            END IF;
            RETURN NULL;
        END IF;
        SELECT count(*) INTO total FROM new_rows;
        -- Several rows: compare each column in its own type, write only what changed. A type
        -- without an equality operator (json, xml, geometric types, domains) compares as text.
        -- Columns are aliased o<attnum> / n<attnum> (names may be long or odd).
        SELECT string_agg('o' || a.attnum, ', ' ORDER BY a.attnum) || ', ' ||
               string_agg('n' || a.attnum, ', ' ORDER BY a.attnum),
               string_agg(format(
                   CASE WHEN EXISTS (SELECT FROM pg_operator op
                                     WHERE op.oprname = '=' AND op.oprleft = a.atttypid
                                       AND op.oprright = a.atttypid)
                        THEN 'CASE WHEN %1$I IS DISTINCT FROM %2$I THEN %3$s END'
                        ELSE 'CASE WHEN %1$I::text IS DISTINCT FROM %2$I::text THEN %3$s END'
                   END,
                   'o' || a.attnum, 'n' || a.attnum,
                   CASE WHEN a.attname = ANY (hidden)
                        THEN quote_literal(to_json(a.attname::text)::text || ':["[withheld]","[withheld]"]')
                        ELSE format('%s || COALESCE(to_json(%I)::text, ''null'') || '','' || COALESCE(to_json(%I)::text, ''null'') || '']''',
                                    quote_literal(to_json(a.attname::text)::text || ':['),
                                    'o' || a.attnum, 'n' || a.attnum)
                   END), ', ' ORDER BY a.attnum),
               max('n' || a.attnum) FILTER (WHERE a.attname = pk)
          INTO aliases, diff, pk_alias
          FROM pg_attribute a
         WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
        WHILE done < total LOOP
            EXECUTE format($q$
                INSERT INTO auditing_auditevent_inbox
                    (table_name, pk_column, action, ids, row_pks, changes,
                     actor_id, actor_kind, source, request_id, ip, context)
                SELECT $1, $2, 'update', array_agg(nextval('auditing_auditevent_id_seq')),
                       array_agg(c.pk), '[' || string_agg(c.diff, ',') || ']',
                       $3, $4, $5, $6, $7, $8
                FROM (
                    SELECT %1$I::text AS pk, '{' || concat_ws(',', %2$s) || '}' AS diff
                    FROM unnest(ARRAY(SELECT (o.*)::%3$I.%4$I FROM old_rows o LIMIT $9 OFFSET $10),
                                ARRAY(SELECT (n.*)::%3$I.%4$I FROM new_rows n LIMIT $9 OFFSET $10))
                         AS z(%5$s)
                    OFFSET 0  -- compute each diff once
                ) c
                WHERE c.diff <> '{}'
                HAVING count(*) > 0
                $q$, pk_alias, diff, TG_TABLE_SCHEMA, TG_TABLE_NAME, aliases)
            USING TG_TABLE_NAME, pk, v_actor, v_kind, v_source, v_request, v_ip, v_extra,
                  chunk_rows, done;
            done := done + chunk_rows;
        END LOOP;
    ELSIF TG_OP = 'INSERT' THEN
        LOOP
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, ids, new_rows,
                 actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'insert',
                   ARRAY(SELECT nextval('auditing_auditevent_id_seq') FROM generate_series(1, c.k)),
                   c.images, v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM (SELECT count(*) AS k,
                         json_agg(CASE WHEN hidden = '{}' THEN row_to_json(x.*) ELSE (to_jsonb(x.*) - hidden)::json END) AS images
                  FROM (SELECT * FROM new_rows LIMIT chunk_rows OFFSET done) x) c
            WHERE c.k > 0
            RETURNING cardinality(ids) INTO got;
            EXIT WHEN got IS NULL OR got < chunk_rows;
            done := done + chunk_rows;
        END LOOP;
    ELSE
        LOOP
            INSERT INTO auditing_auditevent_inbox
                (table_name, pk_column, action, ids, old_rows,
                 actor_id, actor_kind, source, request_id, ip, context)
            SELECT TG_TABLE_NAME, pk, 'delete',
                   ARRAY(SELECT nextval('auditing_auditevent_id_seq') FROM generate_series(1, c.k)),
                   c.images, v_actor, v_kind, v_source, v_request, v_ip, v_extra
            FROM (SELECT count(*) AS k,
                         json_agg(CASE WHEN hidden = '{}' THEN row_to_json(x.*) ELSE (to_jsonb(x.*) - hidden)::json END) AS images
                  FROM (SELECT * FROM old_rows LIMIT chunk_rows OFFSET done) x) c
            WHERE c.k > 0
            RETURNING cardinality(ids) INTO got;
            EXIT WHEN got IS NULL OR got < chunk_rows;
            done := done + chunk_rows;
        END LOOP;
    END IF;
    RETURN NULL;
END $$;

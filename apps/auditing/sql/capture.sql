-- The ONE audit trigger function. Attached per table as three statement-level triggers
-- (AFTER INSERT / UPDATE / DELETE, with transition tables new_rows / old_rows).
-- TG_ARGV[0]: primary key column; TG_ARGV[1]: sensitive columns, as a text[] literal.
--
-- PL/pgSQL plans each statement once per session and keeps the plan, sized for the
-- transition tables of the first calls (usually one row); the queries below are shaped so
-- that the same plan stays linear for a 100k-row statement (bench/audit_overhead.py).
-- OFFSET 0 keeps a subquery from being flattened, which would compute to_jsonb() of each
-- row once per use instead of once.
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
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO auditing_auditevent
            (table_name, row_pk, action, changes, actor_id, actor_kind, source, request_id, ip, context)
        SELECT TG_TABLE_NAME, r.j->>pk, 'insert', r.j - hidden,
               v_actor, v_kind, v_source, v_request, v_ip, v_extra
        FROM (SELECT to_jsonb(n) AS j FROM new_rows n OFFSET 0) r;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO auditing_auditevent
            (table_name, row_pk, action, changes, actor_id, actor_kind, source, request_id, ip, context)
        SELECT TG_TABLE_NAME, r.j->>pk, 'delete', r.j - hidden,
               v_actor, v_kind, v_source, v_request, v_ip, v_extra
        FROM (SELECT to_jsonb(o) AS j FROM old_rows o OFFSET 0) r;
    ELSE
        -- Only changed columns, as {column: [old, new]}; a sensitive column that changed is
        -- named with its values withheld. Old and new rows pair up on the primary key with a
        -- FULL JOIN because a full join can only be a hash or merge join: an inner join
        -- planned for one row is a nested loop, and that cached plan made a later 3,000-row
        -- UPDATE in the same session take 45 s.
        INSERT INTO auditing_auditevent
            (table_name, row_pk, action, changes, actor_id, actor_kind, source, request_id, ip, context)
        SELECT TG_TABLE_NAME, p.nj->>pk,
               CASE
                   WHEN d.diff ? 'deleted_at' AND p.oj->'deleted_at' = 'null'::jsonb THEN 'soft_delete'
                   WHEN d.diff ? 'deleted_at' AND p.nj->'deleted_at' = 'null'::jsonb THEN 'restore'
                   ELSE 'update'
               END,
               d.diff, v_actor, v_kind, v_source, v_request, v_ip, v_extra
        FROM (SELECT o.j AS oj, n.j AS nj
                FROM (SELECT to_jsonb(x) AS j FROM old_rows x OFFSET 0) o
                FULL JOIN (SELECT to_jsonb(y) AS j FROM new_rows y OFFSET 0) n
                    ON (o.j->>pk) = (n.j->>pk)) p
        CROSS JOIN LATERAL (
            SELECT jsonb_object_agg(
                       k.key,
                       CASE WHEN k.key = ANY (hidden) THEN '["[withheld]", "[withheld]"]'::jsonb
                            ELSE jsonb_build_array(p.oj->k.key, p.nj->k.key) END) AS diff
            -- A row without a partner (its primary key changed) yields no keys, hence no
            -- event, as with an inner join. The test sits here because in the outer WHERE
            -- it would let the planner turn the FULL JOIN back into an inner join.
            FROM (SELECT jsonb_object_keys(p.nj) AS key WHERE p.oj IS NOT NULL) k
            WHERE (p.oj->k.key) IS DISTINCT FROM (p.nj->k.key)
        ) d
        WHERE d.diff IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

-- The sanctioned exceptions, as functions that run with the owner's rights (SECURITY DEFINER).
--
-- The application's role may not DELETE from the inbox, write the trail, create or drop
-- tables, or switch a rule off (apps/auditing/roles.py). What it needs beyond that is done by
-- these functions, each with the narrowest surface that does the job and a fixed search_path
-- (a role cannot put an object of its own in front of the shop's). Only the owner and the
-- application's role may execute them: the grants are made by `roles.grants_sync()`.
-- docs/security.md lists them.

-- The inbox drain: the only way a capture leaves the inbox.
ALTER FUNCTION auditing_inbox_drain(integer, boolean)
    SECURITY DEFINER SET search_path = public, pg_temp;

-- Audit partitions for a month: tables made by the owner.
ALTER FUNCTION auditing_partition_ensure(date)
    SECURITY DEFINER SET search_path = public, pg_temp;

-- An application event (sign-in, export, redaction, ...) into the trail. The id, time,
-- transaction and database role are the database's (db_role: the role that connected); the
-- actions of row changes are the capture's alone.
CREATE FUNCTION auditing_event_record(
    p_action text, p_table_name text, p_row_pk text, p_changes jsonb, p_actor_id bigint,
    p_actor_kind auditing_actor_kind, p_source auditing_source, p_request_id text, p_ip inet,
    p_context jsonb
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF p_action IS NULL OR p_action IN ('insert', 'update', 'delete', 'soft_delete', 'restore') THEN
        RAISE EXCEPTION 'auditing_event_record: % is not an application event', coalesce(p_action, 'NULL')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'auditing_auditevent_application_action';
    END IF;
    INSERT INTO auditing_auditevent
        (table_name, row_pk, action, changes, actor_id, actor_kind, source, request_id, ip,
         db_role, context)
    VALUES (p_table_name, p_row_pk, p_action, p_changes, p_actor_id, p_actor_kind, p_source,
            p_request_id, p_ip, session_user, p_context)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- Redaction for erasure: one event's personal values replaced by the marker (the trail's
-- trigger refuses anything else: auditing_redacted_from), and optionally its address cleared.
CREATE FUNCTION auditing_event_redact(
    p_id bigint, p_occurred_at timestamptz, p_changes jsonb, p_context jsonb, p_clear_ip boolean
) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found_it boolean;
BEGIN
    PERFORM set_config('auditing.redaction', 'on', true);
    UPDATE auditing_auditevent
       SET changes = p_changes, context = p_context,
           ip = CASE WHEN p_clear_ip THEN NULL ELSE ip END
     WHERE id = p_id AND occurred_at = p_occurred_at;
    found_it := FOUND;
    PERFORM set_config('auditing.redaction', '', true);
    RETURN found_it;
END $$;

-- Archival, step 1: detach the partition of a month that is over.
CREATE FUNCTION auditing_partition_detach(part text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month date;
BEGIN
    IF part !~ '^auditing_auditevent_y[0-9]{4}m[0-9]{2}$' THEN
        RAISE EXCEPTION 'auditing_partition_detach: % is not an audit partition', part
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    month := make_date(substr(part, 22, 4)::int, substr(part, 27, 2)::int, 1);
    IF month + interval '1 month' > date_trunc('month', now()) THEN
        RAISE EXCEPTION 'auditing_partition_detach: % holds events of a month that is not over', part
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(part)
                   AND inhparent = 'auditing_auditevent'::regclass) THEN
        RETURN false;
    END IF;
    EXECUTE format('ALTER TABLE auditing_auditevent DETACH PARTITION %I', part);
    RETURN true;
END $$;

-- Archival, step 2: drop a detached partition once its archive holds every row. The drop is
-- itself an event in the trail, naming the archive and its checksum.
CREATE FUNCTION auditing_partition_drop(part text, archived_rows bigint, archive_file text, archive_sha256 text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rows_now bigint;
BEGIN
    IF part !~ '^auditing_auditevent_y[0-9]{4}m[0-9]{2}$' OR to_regclass(part) IS NULL THEN
        RAISE EXCEPTION 'auditing_partition_drop: % is not an audit partition', part
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(part)) THEN
        RAISE EXCEPTION 'auditing_partition_drop: % is still part of the audit trail', part
            USING ERRCODE = 'object_in_use';
    END IF;
    EXECUTE format('SELECT count(*) FROM %I', part) INTO rows_now;
    IF rows_now IS DISTINCT FROM archived_rows THEN
        RAISE EXCEPTION 'auditing_partition_drop: % has % rows, the archive %', part, rows_now, archived_rows
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO auditing_auditevent (table_name, action, changes, db_role, context)
    VALUES (part, 'audit_partition_dropped',
            jsonb_build_object('rows', rows_now, 'file', archive_file, 'sha256', archive_sha256),
            session_user, auditing_context());
    EXECUTE format('DROP TABLE %I', part);
END $$;

-- The soft-delete purge: really delete rows of a soft-deleting table, by primary key, that
-- were soft-deleted before `older_than` (at least a day ago). A row still referenced by a row
-- that must stay is kept. Returns {purged, kept}.
CREATE FUNCTION auditing_soft_deleted_purge(tbl regclass, ids text[], older_than timestamptz)
RETURNS integer[] LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    guard   name;
    pk      name;
    pk_type text;
    ignored text := current_setting('pgtrigger.ignore', true);
    purged  integer := 0;
    kept    integer := 0;
    n       integer;
    id      text;
BEGIN
    IF older_than > now() - interval '1 day' THEN
        RAISE EXCEPTION 'auditing_soft_deleted_purge: rows stay restorable for a day at least'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT tgname INTO guard FROM pg_trigger
     WHERE tgrelid = tbl AND tgname LIKE 'pgtrigger\_soft\_delete\_%';
    SELECT a.attname, format_type(a.atttypid, a.atttypmod) INTO pk, pk_type
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = tbl AND i.indisprimary AND i.indnkeyatts = 1;
    IF guard IS NULL OR pk IS NULL THEN
        RAISE EXCEPTION 'auditing_soft_deleted_purge: % does not soft-delete', tbl
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('pgtrigger.ignore', '{' || guard || '}', true);
    FOREACH id IN ARRAY ids LOOP
        BEGIN
            EXECUTE format('DELETE FROM %s WHERE %I = $1::%s AND deleted_at < $2', tbl, pk, pk_type)
                USING id, older_than;
            GET DIAGNOSTICS n = ROW_COUNT;
            purged := purged + n;
        EXCEPTION WHEN foreign_key_violation OR restrict_violation OR insufficient_privilege
                       OR raise_exception THEN
            kept := kept + 1;
        END;
    END LOOP;
    PERFORM set_config('pgtrigger.ignore', coalesce(ignored, ''), true);
    RETURN ARRAY[purged, kept];
END $$;

DROP FUNCTION IF EXISTS auditing_soft_deleted_purge(regclass, text[], timestamptz);
DROP FUNCTION IF EXISTS auditing_partition_drop(text, bigint, text, text);
DROP FUNCTION IF EXISTS auditing_partition_detach(text);
DROP FUNCTION IF EXISTS auditing_event_redact(bigint, timestamptz, jsonb, jsonb, boolean);
DROP FUNCTION IF EXISTS auditing_event_record(text, text, text, jsonb, bigint, auditing_actor_kind, auditing_source, text, inet, jsonb);
ALTER FUNCTION auditing_partition_ensure(date) SECURITY INVOKER RESET search_path;
ALTER FUNCTION auditing_inbox_drain(integer, boolean) SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION auditing_partition_ensure(date) TO PUBLIC;
GRANT EXECUTE ON FUNCTION auditing_inbox_drain(integer, boolean) TO PUBLIC;

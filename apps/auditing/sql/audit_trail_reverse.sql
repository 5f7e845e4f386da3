DROP TABLE IF EXISTS auditing_auditevent CASCADE;
DROP FUNCTION IF EXISTS auditing_capture();
DROP FUNCTION IF EXISTS auditing_context();
DROP FUNCTION IF EXISTS auditing_partition_ensure(date);
DROP FUNCTION IF EXISTS auditing_refuse_change();

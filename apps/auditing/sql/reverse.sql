-- Reverse of the auditing app's first migration: everything the SQL files created.
DROP FUNCTION IF EXISTS auditing_capture();
DROP VIEW IF EXISTS auditing_auditevent_all;
DROP VIEW IF EXISTS auditing_auditevent_inbox_events;
DROP FUNCTION IF EXISTS auditing_inbox_drain(integer, boolean);
DROP FUNCTION IF EXISTS auditing_inbox_events(auditing_auditevent_inbox);
DROP TABLE IF EXISTS auditing_auditevent_inbox;
DROP FUNCTION IF EXISTS auditing_inbox_guard();
DROP FUNCTION IF EXISTS auditing_inbox_event(text, text, json, json, text[]);
DROP TABLE IF EXISTS auditing_auditevent CASCADE;
DROP FUNCTION IF EXISTS auditing_context();
DROP FUNCTION IF EXISTS auditing_partition_ensure(date);
DROP FUNCTION IF EXISTS auditing_refuse_change();
DROP DOMAIN IF EXISTS auditing_source;
DROP DOMAIN IF EXISTS auditing_actor_kind;

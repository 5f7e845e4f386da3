-- Back to capture straight into the trail (migration 0004 reversed): first move whatever
-- waits in the inbox into the trail, so nothing is lost; capture.sql then restores the
-- previous auditing_capture().
SELECT auditing_inbox_drain(2147483647, true);
DROP VIEW IF EXISTS auditing_auditevent_all;
DROP VIEW IF EXISTS auditing_auditevent_inbox_events;
DROP FUNCTION IF EXISTS auditing_inbox_drain(integer, boolean);
DROP TABLE IF EXISTS auditing_auditevent_inbox;
DROP FUNCTION IF EXISTS auditing_inbox_guard();
DROP FUNCTION IF EXISTS auditing_inbox_event(text, text, json, json, text[]);

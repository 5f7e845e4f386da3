-- Back to one inbox row per changed row (migration 0005 reversed): move whatever waits into
-- the trail first, so nothing is lost; capture_inbox.sql then recreates the objects of 0004.
SELECT auditing_inbox_drain(2147483647, true);
DROP VIEW auditing_auditevent_all;
DROP VIEW auditing_auditevent_inbox_events;
DROP FUNCTION auditing_inbox_drain(integer, boolean);
DROP FUNCTION auditing_inbox_events(auditing_auditevent_inbox);
DROP TABLE auditing_auditevent_inbox;
DROP FUNCTION auditing_inbox_guard();
DROP FUNCTION auditing_inbox_event(text, text, json, json, text[]);

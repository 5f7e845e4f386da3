-- A capture records the role that connected (migration 0007).
--
-- The inbox's db_role was current_user: inside a function that runs with the owner's rights
-- (the reservations' inventory_reserved_sync(), the ledger's inventory_on_hand_apply()) that
-- is the owner, so the stock row's change those functions make on the application's behalf
-- was recorded as the owner's. session_user is the role that connected, whatever function
-- runs, as auditing_event_record() records it for application events (definer.sql).
ALTER TABLE auditing_auditevent_inbox ALTER COLUMN db_role SET DEFAULT session_user;

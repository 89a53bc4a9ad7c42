-- The event readers (relay, sealer, live streams) are no longer woken by a trigger on
-- `events`: Postgres serialises the commits of notifying transactions until their WAL flush,
-- which capped appends at a quarter of what the machine commits. The writers notify
-- `events_appended` after their commits instead (`store::Wake`, coalesced per process).
DROP TRIGGER events_appended ON events;
DROP FUNCTION events_notify_appended();

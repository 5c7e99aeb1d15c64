-- What the reports need to judge each ticket by its own history
-- (docs/REPORTS.md):
--   queued_at       when the ticket last joined its service's queue (issue,
--                   requeue, or the transfer that made it)
--   last_called_at  its latest call: the one that led to its service
--   waited_ms       every wait before a call added up (a requeue waits again)
--   target_wait_s   its service's target wait when it joined the queue
-- NULL for tickets from before: reports then fall back on the ticket's own
-- times (the first call) and on the first targets the log records.
ALTER TABLE tickets ADD COLUMN queued_at INTEGER;
ALTER TABLE tickets ADD COLUMN last_called_at INTEGER;
ALTER TABLE tickets ADD COLUMN waited_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN target_wait_s INTEGER;

-- The targets in force at any time are the latest hall.targets event
-- before it; the reports and the engine read them through this index.
CREATE INDEX events_targets ON events (at) WHERE type = 'hall.targets';

-- Presses no ticket could take count on the day they reached the server.
CREATE INDEX ratings_unattached ON ratings (at) WHERE ticket_id = '';

-- The roll-ups' format and definitions changed: every day is rolled up
-- again from its tickets by the next report that reads it.
DELETE FROM report_groups;
DELETE FROM report_days;

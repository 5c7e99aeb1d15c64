-- What the reports need to judge each ticket by its own history, as in
-- the halls' SQLite (migration 0005_report_times there): when the ticket
-- last joined its queue, its latest call, every wait added up, and its
-- service's target wait when it joined. NULL for tickets from before.
ALTER TABLE tickets ADD COLUMN queued_at bigint;
ALTER TABLE tickets ADD COLUMN last_called_at bigint;
ALTER TABLE tickets ADD COLUMN waited_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN target_wait_s integer;

-- A hall's targets over time are its hall.targets events.
CREATE INDEX events_targets ON events (hall_id, at) WHERE type = 'hall.targets';

-- Presses no ticket took count on the day they reached the hall's server.
CREATE INDEX ratings_unattached ON ratings (hall_id, at) WHERE ticket_id = '';

-- The roll-ups' format and definitions changed: roll every day up again.
DELETE FROM report_groups;
DELETE FROM report_days;

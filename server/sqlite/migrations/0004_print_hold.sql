-- A kiosk's ticket is held while it prints (queue.IssueRequest.Hold):
-- counters pass over it until the kiosk confirms the print or held_until
-- (milliseconds since the epoch) passes. NULL for no hold.
ALTER TABLE tickets ADD COLUMN held_until INTEGER;

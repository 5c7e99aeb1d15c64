-- A ticket checked in with a booking (issue 19) names the booking's code
-- and the start of its slot (milliseconds since the epoch): the queue
-- serves it at its time and reports tell booked citizens from walk-ins.
-- '' and NULL for a walk-in.
ALTER TABLE tickets ADD COLUMN booking TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN slot_at INTEGER;

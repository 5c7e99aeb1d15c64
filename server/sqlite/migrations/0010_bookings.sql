-- Bookings (issue 19): a citizen's place in a slot of a service. Times are
-- Unix milliseconds; day is the slot's local date. name and phone are the
-- only personal data: the hall erases them some days after the slot
-- (erased_at), keeping the row for the counts. The event log never holds
-- them.
CREATE TABLE bookings (
	code          TEXT PRIMARY KEY,
	service       TEXT NOT NULL,
	day           TEXT NOT NULL,
	slot_start    INTEGER NOT NULL,
	slot_end      INTEGER NOT NULL,
	status        TEXT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	phone         TEXT NOT NULL DEFAULT '',
	source        TEXT NOT NULL,
	external_id   TEXT NOT NULL DEFAULT '',
	made_at       INTEGER NOT NULL,
	checked_in_at INTEGER,
	cancelled_at  INTEGER,
	ticket_id     TEXT NOT NULL DEFAULT '',
	secret        TEXT NOT NULL,
	erased_at     INTEGER
) STRICT;

-- A booking made elsewhere is imported once, however often it is sent.
CREATE UNIQUE INDEX bookings_external ON bookings (external_id) WHERE external_id <> '';
CREATE INDEX bookings_day ON bookings (day, service, slot_start);
CREATE INDEX bookings_slot ON bookings (slot_start);
CREATE INDEX bookings_unerased ON bookings (slot_end) WHERE erased_at IS NULL;

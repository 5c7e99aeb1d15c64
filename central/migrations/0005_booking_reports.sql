-- Booking counts in the city's reports (issue 19): the reports read each
-- booking's latest state from its booking.* events (no name or phone ever
-- reaches the central store) by the local day of its slot, which starts
-- the slot's start as the hall writes it ("2026-12-04T08:15:00+07:00"),
-- and each day's slots offered from the booking.offer events. The city
-- server reads them here, not the rest of the halls' logs.
CREATE VIEW booking_events AS
	SELECT hall_id, seq, type, at, body FROM events
	WHERE type IN ('booking.made', 'booking.cancelled', 'booking.checked_in', 'booking.no_show', 'booking.offer');
CREATE INDEX events_booking_day ON events (hall_id, (substr(body::jsonb #>> '{booking,start}', 1, 10)), seq)
	WHERE type IN ('booking.made', 'booking.cancelled', 'booking.checked_in', 'booking.no_show');
CREATE INDEX events_booking_offer ON events (hall_id, at) WHERE type = 'booking.offer';

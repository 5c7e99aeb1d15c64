-- Booking reports (issue 19): who cancelled a booking ('citizen' with the
-- booking's secret, 'staff'), taken for the bookings cancelled before from
-- their booking.cancelled event's actor (staff act as 'user:NAME'); the
-- slots the services offered each day (booking.offer events), read by day;
-- and the bookings still booked, which the hall marks missed after their
-- check-in window, also after a restart.
ALTER TABLE bookings ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';
UPDATE bookings SET cancelled_by = CASE
	WHEN (SELECT json_extract(e.body, '$.actor') FROM events e
		WHERE e.type = 'booking.cancelled' AND json_extract(e.body, '$.booking.code') = bookings.code
		ORDER BY e.seq DESC LIMIT 1) LIKE 'user:%' THEN 'staff' ELSE 'citizen' END
	WHERE status = 'cancelled';
CREATE INDEX events_booking_offer ON events (at) WHERE type = 'booking.offer';
CREATE INDEX bookings_booked ON bookings (slot_start) WHERE status = 'booked';

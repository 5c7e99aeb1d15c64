-- Tickets checked in with a booking (issue 19), as in the halls' SQLite
-- (migration 0009_ticket_booking there): the booking's code ('' for a
-- walk-in) and its slot's start (Unix ms, NULL for a walk-in), so that
-- the city's reports tell booked citizens from walk-ins. The shipping
-- function stores them with the rest of the row.
ALTER TABLE tickets ADD COLUMN booking text NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN slot_at bigint;

-- hallq_hall_ship appends a batch of this hall's events (parallel arrays, in
-- order) with the tickets and ratings they carry (JSON arrays of rows, each
-- with the seq of the event that carried it), and returns the last event
-- the store holds and how many of the batch were new. Events it holds
-- already are skipped if their chain is the one it holds; a batch that
-- leaves a gap is refused (HQ002), and one that does not continue the
-- chain, or repeats an event it holds differently, is refused as another
-- history (HQ001). Ticket and rating rows only move forward by seq; the
-- roll-ups of the days whose tickets changed are dropped.
CREATE OR REPLACE FUNCTION hallq_hall_ship(p_seq bigint[], p_type text[], p_at bigint[], p_ticket text[], p_counter integer[],
	p_body text[], p_chain bytea[], p_tickets jsonb, p_ratings jsonb, OUT last_seq bigint, OUT inserted integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	h      text := hallq_hall();
	n      integer := coalesce(array_length(p_seq, 1), 0);
	v_old    bigint;
	prev   bytea;
	held   bytea;
	calc   bytea;
	v_first  integer := 0;
	i      integer;
BEGIN
	IF coalesce(array_length(p_type, 1), 0) <> n OR coalesce(array_length(p_at, 1), 0) <> n
		OR coalesce(array_length(p_ticket, 1), 0) <> n OR coalesce(array_length(p_counter, 1), 0) <> n
		OR coalesce(array_length(p_body, 1), 0) <> n OR coalesce(array_length(p_chain, 1), 0) <> n THEN
		RAISE EXCEPTION 'hall %: a batch''s arrays differ in length', h USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- One shipper per hall is the rule; the lock makes two harmless.
	PERFORM pg_advisory_xact_lock(hashtext('hallq/' || h));
	SELECT e.seq, e.chain INTO v_old, prev FROM events e WHERE e.hall_id = h ORDER BY e.seq DESC LIMIT 1;
	v_old := coalesce(v_old, 0);
	prev := coalesce(prev, ''::bytea);
	last_seq := v_old;
	FOR i IN 1 .. n LOOP
		IF v_first = 0 AND p_seq[i] <= v_old THEN
			SELECT e.chain INTO held FROM events e WHERE e.hall_id = h AND e.seq = p_seq[i];
			IF held IS DISTINCT FROM p_chain[i] THEN
				RAISE EXCEPTION 'hall %: event % differs from the event % the central store holds: another history', h, p_seq[i], p_seq[i]
					USING ERRCODE = 'HQ001', DETAIL = format('seq=%s held=%s', p_seq[i], v_old);
			END IF;
			CONTINUE;
		END IF;
		IF p_seq[i] <> last_seq + 1 THEN
			RAISE EXCEPTION 'event % does not follow %: refusing a gap in hall %''s log', p_seq[i], last_seq, h
				USING ERRCODE = 'HQ002';
		END IF;
		IF octet_length(p_body[i]) > 1048576 THEN
			RAISE EXCEPTION 'hall %: event % is over 1 MiB', h, p_seq[i] USING ERRCODE = 'program_limit_exceeded';
		END IF;
		calc := sha256(prev || int8send(p_seq[i]) || convert_to(p_body[i], 'UTF8'));
		IF calc IS DISTINCT FROM p_chain[i] THEN
			RAISE EXCEPTION 'hall %: event % does not continue the history the central store holds up to %', h, p_seq[i], last_seq
				USING ERRCODE = 'HQ001', DETAIL = format('seq=%s held=%s', p_seq[i], v_old);
		END IF;
		IF v_first = 0 THEN
			v_first := i;
		END IF;
		prev := calc;
		last_seq := p_seq[i];
	END LOOP;
	inserted := CASE WHEN v_first = 0 THEN 0 ELSE n - v_first + 1 END;
	IF inserted = 0 THEN
		RETURN;
	END IF;

	INSERT INTO events (hall_id, seq, type, at, ticket_id, counter, body, chain)
	SELECT h, u.seq, u.type, u.at, u.ticket_id, u.counter, u.body, u.chain
	FROM unnest(p_seq[v_first:n], p_type[v_first:n], p_at[v_first:n], p_ticket[v_first:n], p_counter[v_first:n], p_body[v_first:n], p_chain[v_first:n])
		AS u(seq, type, at, ticket_id, counter, body, chain);

	INSERT INTO tickets (hall_id, id, seq, day, service, number, label, priority, state, issued_at, called_at, started_at,
		finished_at, counter, officer, recalls, out_of_order, reason, flagged, transferred_to, transferred_from, rating,
		issue_estimate_s, issue_ahead, device, queued_at, last_called_at, waited_ms, target_wait_s, booking, slot_at)
	SELECT h, r.id, r.seq, r.day, r.service, r.number, r.label, r.priority, r.state, r.issued_at, r.called_at, r.started_at,
		r.finished_at, r.counter, r.officer, r.recalls, r.out_of_order, r.reason, r.flagged, r.transferred_to, r.transferred_from,
		r.rating, r.issue_estimate_s, r.issue_ahead, r.device, r.queued_at, r.last_called_at, coalesce(r.waited_ms, 0), r.target_wait_s,
		coalesce(r.booking, ''), r.slot_at
	FROM jsonb_populate_recordset(NULL::tickets, p_tickets) r
	WHERE r.seq > v_old AND r.seq <= last_seq
	ON CONFLICT (hall_id, id) DO UPDATE SET seq = excluded.seq, day = excluded.day, service = excluded.service,
		number = excluded.number, label = excluded.label, priority = excluded.priority, state = excluded.state,
		issued_at = excluded.issued_at, called_at = excluded.called_at, started_at = excluded.started_at,
		finished_at = excluded.finished_at, counter = excluded.counter, officer = excluded.officer,
		recalls = excluded.recalls, out_of_order = excluded.out_of_order, reason = excluded.reason,
		flagged = excluded.flagged, transferred_to = excluded.transferred_to, transferred_from = excluded.transferred_from,
		rating = excluded.rating, issue_estimate_s = excluded.issue_estimate_s, issue_ahead = excluded.issue_ahead,
		device = excluded.device, queued_at = excluded.queued_at, last_called_at = excluded.last_called_at,
		waited_ms = excluded.waited_ms, target_wait_s = excluded.target_wait_s,
		booking = excluded.booking, slot_at = excluded.slot_at
	WHERE tickets.seq < excluded.seq;

	INSERT INTO ratings (hall_id, device, device_seq, id, seq, counter, score, pressed_at, at, ticket_id, officer, unattached, age_capped)
	SELECT h, r.device, r.device_seq, r.id, r.seq, r.counter, r.score, r.pressed_at, r.at, r.ticket_id, r.officer, r.unattached, r.age_capped
	FROM jsonb_populate_recordset(NULL::ratings, p_ratings) r
	WHERE r.seq > v_old AND r.seq <= last_seq
	ON CONFLICT (hall_id, device, device_seq) DO UPDATE SET id = excluded.id, seq = excluded.seq, counter = excluded.counter,
		score = excluded.score, pressed_at = excluded.pressed_at, at = excluded.at, ticket_id = excluded.ticket_id,
		officer = excluded.officer, unattached = excluded.unattached, age_capped = excluded.age_capped
	WHERE ratings.seq < excluded.seq;

	DELETE FROM report_groups g WHERE g.hall_id = h
		AND g.day IN (SELECT r.day FROM jsonb_populate_recordset(NULL::tickets, p_tickets) r WHERE r.seq > v_old);
	DELETE FROM report_days d WHERE d.hall_id = h
		AND d.day IN (SELECT r.day FROM jsonb_populate_recordset(NULL::tickets, p_tickets) r WHERE r.seq > v_old);

	INSERT INTO halls AS x (hall_id, last_seq, last_event_at, shipped_at)
	VALUES (h, last_seq, p_at[n], (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
	ON CONFLICT (hall_id) DO UPDATE SET last_seq = excluded.last_seq, last_event_at = excluded.last_event_at,
		shipped_at = excluded.shipped_at;
END $$;

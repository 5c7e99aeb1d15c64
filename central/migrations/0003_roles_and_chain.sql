-- Least privilege and one history per hall.
--
-- Every hall ships as a login role of its own (hallserver central
-- add-hall), bound to its hall id in table roles. A hall's role holds no
-- privilege on any table: it may only call the hallq_hall_* functions
-- below, which run as the owner of this schema (SECURITY DEFINER), take
-- the hall from the connection's login role (session_user), and append to
-- that hall's log, derive its tickets and ratings, and store its
-- profile; nothing else. The city server's role (hallserver central
-- add-city-server) reads the reports and writes only its roll-ups and
-- sessions. The grants themselves are made by hallserver central migrate
-- and the add commands (central/roles.go), for the roles listed in roles.
--
-- Each event carries the hash chain of its hall's log up to it
-- (hallq.ChainNext: sha256(previous chain || seq as int8 || body as
-- UTF-8)); a batch that does not continue the chain the store holds is
-- refused as another history (SQLSTATE HQ001), and stays out.

ALTER TABLE events ADD COLUMN chain bytea;

DO $$
DECLARE
	r    record;
	prev bytea;
	hall text;
BEGIN
	FOR r IN SELECT hall_id, seq, body FROM events ORDER BY hall_id, seq LOOP
		IF hall IS DISTINCT FROM r.hall_id THEN
			hall := r.hall_id;
			prev := ''::bytea;
		END IF;
		prev := sha256(prev || int8send(r.seq) || convert_to(r.body, 'UTF8'));
		UPDATE events SET chain = prev WHERE hall_id = r.hall_id AND seq = r.seq;
	END LOOP;
END $$;

ALTER TABLE events ALTER COLUMN chain SET NOT NULL;

-- The login roles this store knows: a hall's, bound to its hall, or the
-- city server's.
CREATE TABLE roles (
	role       text COLLATE "C" PRIMARY KEY,
	kind       text NOT NULL CHECK (kind IN ('hall', 'city')),
	hall_id    text COLLATE "C" UNIQUE,
	created_at bigint NOT NULL,
	CHECK ((kind = 'hall') = (hall_id IS NOT NULL))
);

-- A hall's history that parted from the one the store held: the events the
-- store held after the last one both share, set aside by hallserver central
-- new-epoch so that the hall can ship its own again. Nothing is deleted:
-- forked_events keeps them as they arrived.
CREATE TABLE epochs (
	hall_id   text COLLATE "C" NOT NULL,
	epoch     integer NOT NULL, -- the epoch that began (2, 3, …; a hall starts in 1)
	after_seq bigint NOT NULL,  -- the last event both histories share
	set_aside bigint NOT NULL,  -- how many events went to forked_events
	reason    text NOT NULL DEFAULT '',
	at        bigint NOT NULL,
	PRIMARY KEY (hall_id, epoch)
);

CREATE TABLE forked_events (
	hall_id   text COLLATE "C" NOT NULL,
	epoch     integer NOT NULL, -- the epoch they belonged to
	seq       bigint NOT NULL,
	type      text NOT NULL,
	at        bigint NOT NULL,
	ticket_id text COLLATE "C" NOT NULL DEFAULT '',
	counter   integer NOT NULL DEFAULT 0,
	body      text NOT NULL,
	chain     bytea NOT NULL,
	PRIMARY KEY (hall_id, epoch, seq)
);

-- A hall that found its history differs from the store's says so here
-- (hallq_hall_diverged), for the city's dashboard; new-epoch and a new
-- password for the hall (add-hall -rotate) clear it, and so does the hall
-- itself once it ships again.
ALTER TABLE halls
	ADD COLUMN diverged_at    bigint NOT NULL DEFAULT 0, -- 0: no divergence reported
	ADD COLUMN diverged_after bigint NOT NULL DEFAULT 0, -- the last event both histories share
	ADD COLUMN diverged_head  bigint NOT NULL DEFAULT 0, -- the hall's last event then
	ADD COLUMN diverged_note  text NOT NULL DEFAULT '';

-- The city server judges each hall by the targets in force when its
-- tickets waited: its hall.targets events. It reads them here, not the
-- rest of the halls' logs.
CREATE VIEW target_events AS
	SELECT hall_id, seq, at, body FROM events WHERE type = 'hall.targets';

-- Nobody but the roles granted below may connect, and nobody may make
-- temporary tables: a role of another database on the same server has no
-- business here.
DO $$
BEGIN
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END $$;

-- hallq_hall is the hall bound to the connection's login role; anyone else
-- is refused.
CREATE FUNCTION hallq_hall() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	h text;
BEGIN
	SELECT hall_id INTO h FROM roles WHERE role = session_user::text AND kind = 'hall';
	IF h IS NULL THEN
		RAISE EXCEPTION 'role % ships for no hall of this central store', session_user
			USING ERRCODE = 'insufficient_privilege',
				HINT = 'a hall ships with the role that hallserver central add-hall made for it';
	END IF;
	RETURN h;
END $$;

-- hallq_hall_head: the hall bound to this role, the last event the store
-- holds of it and that event's chain, the schema's version and the hall's
-- epoch. A shipper starts every connection with it.
CREATE FUNCTION hallq_hall_head(OUT hall_id text, OUT seq bigint, OUT chain bytea, OUT version integer, OUT epoch integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
	hall_id := hallq_hall();
	SELECT e.seq, e.chain INTO seq, chain FROM events e WHERE e.hall_id = hallq_hall_head.hall_id ORDER BY e.seq DESC LIMIT 1;
	seq := coalesce(seq, 0);
	SELECT max(m.version) INTO version FROM schema_migrations m;
	SELECT coalesce(max(p.epoch), 1) INTO epoch FROM epochs p WHERE p.hall_id = hallq_hall_head.hall_id;
END $$;

-- hallq_hall_chain: the chain of this hall's event p_seq as the store holds
-- it (NULL if it holds none), to find where two histories part.
CREATE FUNCTION hallq_hall_chain(p_seq bigint) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
	SELECT chain FROM events WHERE hall_id = hallq_hall() AND seq = p_seq
$$;

-- hallq_hall_ship appends a batch of this hall's events (parallel arrays, in
-- order) with the tickets and ratings they carry (JSON arrays of rows, each
-- with the seq of the event that carried it), and returns the last event
-- the store holds and how many of the batch were new. Events it holds
-- already are skipped if their chain is the one it holds; a batch that
-- leaves a gap is refused (HQ002), and one that does not continue the
-- chain, or repeats an event it holds differently, is refused as another
-- history (HQ001). Ticket and rating rows only move forward by seq; the
-- roll-ups of the days whose tickets changed are dropped.
CREATE FUNCTION hallq_hall_ship(p_seq bigint[], p_type text[], p_at bigint[], p_ticket text[], p_counter integer[],
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
		issue_estimate_s, issue_ahead, device, queued_at, last_called_at, waited_ms, target_wait_s)
	SELECT h, r.id, r.seq, r.day, r.service, r.number, r.label, r.priority, r.state, r.issued_at, r.called_at, r.started_at,
		r.finished_at, r.counter, r.officer, r.recalls, r.out_of_order, r.reason, r.flagged, r.transferred_to, r.transferred_from,
		r.rating, r.issue_estimate_s, r.issue_ahead, r.device, r.queued_at, r.last_called_at, coalesce(r.waited_ms, 0), r.target_wait_s
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
		waited_ms = excluded.waited_ms, target_wait_s = excluded.target_wait_s
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

-- hallq_hall_profile stores this hall's names and targets (JSON, as
-- central.Profile), creating its row if it is new.
CREATE FUNCTION hallq_hall_profile(p_name text, p_settings text, p_services text, p_counters text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	h text := hallq_hall();
BEGIN
	IF octet_length(p_name) + octet_length(p_settings) + octet_length(p_services) + octet_length(p_counters) > 1048576 THEN
		RAISE EXCEPTION 'hall %: profile over 1 MiB', h USING ERRCODE = 'program_limit_exceeded';
	END IF;
	IF jsonb_typeof(p_settings::jsonb) <> 'object' OR jsonb_typeof(p_services::jsonb) <> 'array'
		OR jsonb_typeof(p_counters::jsonb) <> 'array' THEN
		RAISE EXCEPTION 'hall %: a profile is settings (an object), services and counters (arrays)', h
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO halls (hall_id, name, settings, services, counters, profile_at)
	VALUES (h, p_name, p_settings, p_services, p_counters, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
	ON CONFLICT (hall_id) DO UPDATE SET name = excluded.name, settings = excluded.settings, services = excluded.services,
		counters = excluded.counters, profile_at = excluded.profile_at;
END $$;

-- hallq_hall_diverged records that this hall found its history differs from
-- the store's after event p_after (its own last event being p_head), or,
-- with p_after NULL, that it ships again.
CREATE FUNCTION hallq_hall_diverged(p_after bigint, p_head bigint, p_note text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	h text := hallq_hall();
BEGIN
	INSERT INTO halls (hall_id) VALUES (h) ON CONFLICT (hall_id) DO NOTHING;
	IF p_after IS NULL THEN
		UPDATE halls SET diverged_at = 0, diverged_after = 0, diverged_head = 0, diverged_note = '' WHERE hall_id = h;
	ELSE
		UPDATE halls SET diverged_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint, diverged_after = p_after,
			diverged_head = p_head, diverged_note = left(p_note, 2000)
		WHERE hall_id = h;
	END IF;
END $$;

REVOKE ALL ON FUNCTION hallq_hall() FROM PUBLIC;
REVOKE ALL ON FUNCTION hallq_hall_head() FROM PUBLIC;
REVOKE ALL ON FUNCTION hallq_hall_chain(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION hallq_hall_ship(bigint[], text[], bigint[], text[], integer[], text[], bytea[], jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION hallq_hall_profile(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hallq_hall_diverged(bigint, bigint, text) FROM PUBLIC;

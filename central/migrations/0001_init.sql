-- The central store: every hall's event log as shipped, the tickets and
-- ratings derived from it, report roll-ups per hall, and the staff who
-- read the city-wide reports. Times are Unix milliseconds (UTC), as in the
-- halls' SQLite. Text that is sorted or compared is COLLATE "C", so that
-- it orders byte for byte as SQLite does.

CREATE TABLE halls (
	hall_id       text COLLATE "C" PRIMARY KEY,
	name          text NOT NULL DEFAULT '',
	settings      text NOT NULL DEFAULT '{}', -- JSON of hallq.Settings
	services      text NOT NULL DEFAULT '[]', -- JSON of []hallq.Service
	counters      text NOT NULL DEFAULT '[]', -- JSON of [{"id":…,"name":…}]
	profile_at    bigint NOT NULL DEFAULT 0,
	last_seq      bigint NOT NULL DEFAULT 0,  -- a copy of max(events.seq), for listings
	last_event_at bigint NOT NULL DEFAULT 0,  -- at of that event
	shipped_at    bigint NOT NULL DEFAULT 0   -- when the last batch arrived
);

-- The halls' logs, byte for byte: body is the hall's stored JSON.
CREATE TABLE events (
	hall_id   text COLLATE "C" NOT NULL,
	seq       bigint NOT NULL,
	type      text NOT NULL,
	at        bigint NOT NULL,
	ticket_id text COLLATE "C" NOT NULL DEFAULT '',
	counter   integer NOT NULL DEFAULT 0,
	body      text NOT NULL,
	PRIMARY KEY (hall_id, seq)
);

-- Tickets as the latest event that carried them says (seq): a row only
-- moves forward. The secret and the kiosk's idempotency key never leave
-- the hall.
CREATE TABLE tickets (
	hall_id          text COLLATE "C" NOT NULL,
	id               text COLLATE "C" NOT NULL,
	seq              bigint NOT NULL,
	day              text COLLATE "C" NOT NULL,
	service          text COLLATE "C" NOT NULL,
	number           integer NOT NULL,
	label            text NOT NULL,
	priority         text NOT NULL DEFAULT '',
	state            text NOT NULL,
	issued_at        bigint NOT NULL,
	called_at        bigint,
	started_at       bigint,
	finished_at      bigint,
	counter          integer NOT NULL DEFAULT 0,
	officer          text COLLATE "C" NOT NULL DEFAULT '',
	recalls          integer NOT NULL DEFAULT 0,
	out_of_order     boolean NOT NULL DEFAULT false,
	reason           text NOT NULL DEFAULT '',
	flagged          boolean NOT NULL DEFAULT false,
	transferred_to   text NOT NULL DEFAULT '',
	transferred_from text NOT NULL DEFAULT '',
	rating           integer NOT NULL DEFAULT 0,
	issue_estimate_s integer NOT NULL DEFAULT 0,
	issue_ahead      integer NOT NULL DEFAULT 0,
	device           text NOT NULL DEFAULT '',
	PRIMARY KEY (hall_id, id)
);
CREATE INDEX tickets_day ON tickets (hall_id, day);

CREATE TABLE ratings (
	hall_id     text COLLATE "C" NOT NULL,
	device      text COLLATE "C" NOT NULL,
	device_seq  bigint NOT NULL,
	id          bigint NOT NULL,
	seq         bigint NOT NULL,
	counter     integer NOT NULL,
	score       integer NOT NULL,
	pressed_at  bigint NOT NULL,
	at          bigint NOT NULL,
	ticket_id   text NOT NULL DEFAULT '',
	officer     text NOT NULL DEFAULT '',
	unattached  text NOT NULL DEFAULT '',
	age_capped  boolean NOT NULL DEFAULT false,
	PRIMARY KEY (hall_id, device, device_seq)
);
CREATE INDEX ratings_pressed ON ratings (hall_id, pressed_at);

-- Report roll-ups (package report), per hall: as in the hall's SQLite.
CREATE TABLE report_days (
	hall_id   text COLLATE "C" NOT NULL,
	day       text COLLATE "C" NOT NULL,
	rolled_at bigint NOT NULL,
	PRIMARY KEY (hall_id, day)
);

CREATE TABLE report_groups (
	hall_id text COLLATE "C" NOT NULL,
	dim     text NOT NULL,
	day     text COLLATE "C" NOT NULL,
	key     text COLLATE "C" NOT NULL,
	data    bytea NOT NULL,
	PRIMARY KEY (hall_id, dim, day, key)
);

-- Staff of the central reports (hallserver user add -db postgres://…).
CREATE TABLE users (
	username   text COLLATE "C" PRIMARY KEY,
	role       text NOT NULL,
	pwhash     text NOT NULL,
	disabled   boolean NOT NULL DEFAULT false,
	created_at bigint NOT NULL
);

CREATE TABLE sessions (
	token_hash text PRIMARY KEY,
	username   text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL
);

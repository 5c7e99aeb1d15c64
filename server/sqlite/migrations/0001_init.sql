-- The hall's whole state. Times are Unix milliseconds (UTC); the hall's time
-- zone is applied when they are read.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE services (
	code  TEXT PRIMARY KEY,
	ord   INTEGER NOT NULL DEFAULT 0,
	def   TEXT NOT NULL -- JSON of hallq.Service
) STRICT;

CREATE TABLE counters (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	services       TEXT NOT NULL, -- JSON array of service codes, in order of preference
	state          TEXT NOT NULL DEFAULT 'closed',
	officer        TEXT NOT NULL DEFAULT '',
	current_id     TEXT NOT NULL DEFAULT '',
	since_priority INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE tickets (
	id               TEXT PRIMARY KEY,
	day              TEXT NOT NULL,
	service          TEXT NOT NULL,
	number           INTEGER NOT NULL,
	label            TEXT NOT NULL,
	priority         TEXT NOT NULL DEFAULT '',
	state            TEXT NOT NULL,
	issued_at        INTEGER NOT NULL,
	called_at        INTEGER,
	started_at       INTEGER,
	finished_at      INTEGER,
	counter          INTEGER NOT NULL DEFAULT 0,
	officer          TEXT NOT NULL DEFAULT '',
	recalls          INTEGER NOT NULL DEFAULT 0,
	out_of_order     INTEGER NOT NULL DEFAULT 0,
	reason           TEXT NOT NULL DEFAULT '',
	flagged          INTEGER NOT NULL DEFAULT 0,
	transferred_to   TEXT NOT NULL DEFAULT '',
	transferred_from TEXT NOT NULL DEFAULT '',
	rating           INTEGER NOT NULL DEFAULT 0,
	issue_estimate_s INTEGER NOT NULL DEFAULT 0,
	issue_ahead      INTEGER NOT NULL DEFAULT 0,
	device           TEXT NOT NULL DEFAULT '',
	idem_key         TEXT NOT NULL DEFAULT '',
	secret           TEXT NOT NULL
) STRICT;

-- A number is never given twice on a day: only original tickets count, since
-- a transfer's new ticket keeps the number it had.
CREATE UNIQUE INDEX tickets_number ON tickets (day, service, number) WHERE transferred_from = '';
CREATE UNIQUE INDEX tickets_idem ON tickets (device, idem_key) WHERE idem_key <> '';
CREATE INDEX tickets_active ON tickets (state) WHERE state IN ('waiting', 'called', 'serving');
CREATE INDEX tickets_issued ON tickets (issued_at);

CREATE TABLE numbers (
	day     TEXT NOT NULL,
	service TEXT NOT NULL,
	last    INTEGER NOT NULL,
	PRIMARY KEY (day, service)
) STRICT;

-- The event log: seq is assigned by the engine, so a gap would be a bug the
-- primary key cannot catch; the store checks continuity on append.
CREATE TABLE events (
	seq       INTEGER PRIMARY KEY,
	type      TEXT NOT NULL,
	at        INTEGER NOT NULL,
	ticket_id TEXT NOT NULL DEFAULT '',
	counter   INTEGER NOT NULL DEFAULT 0,
	body      TEXT NOT NULL -- JSON of hallq.Event
) STRICT;
CREATE INDEX events_ticket ON events (ticket_id) WHERE ticket_id <> '';

CREATE TABLE ratings (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	device      TEXT NOT NULL,
	device_seq  INTEGER NOT NULL,
	counter     INTEGER NOT NULL,
	score       INTEGER NOT NULL,
	pressed_at  INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	ticket_id   TEXT NOT NULL DEFAULT '',
	officer     TEXT NOT NULL DEFAULT '',
	unattached  TEXT NOT NULL DEFAULT '',
	age_capped  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (device, device_seq)
) STRICT;
CREATE INDEX ratings_pressed ON ratings (pressed_at);

CREATE TABLE users (
	username   TEXT PRIMARY KEY,
	role       TEXT NOT NULL,
	pwhash     TEXT NOT NULL,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
	name       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	counter    INTEGER NOT NULL DEFAULT 0,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER,
	last_seen  INTEGER,
	health     TEXT NOT NULL DEFAULT ''
) STRICT;

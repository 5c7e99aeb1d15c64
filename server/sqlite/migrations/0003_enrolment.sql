-- Zero-touch enrolment (server/enrol.go): devices ask for a token, an admin
-- approves or rejects, the device collects the answer once. Only hashes of
-- the poll secret are kept; the device's token is made when it is collected
-- and goes into devices as a hash like any other.

CREATE TABLE enrolments (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	code        TEXT NOT NULL,
	counter     INTEGER NOT NULL DEFAULT 0,
	state       TEXT NOT NULL DEFAULT 'pending',
	secret_hash TEXT NOT NULL,
	remote      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	decided_at  INTEGER,
	decided_by  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX enrolments_expires ON enrolments (expires_at);

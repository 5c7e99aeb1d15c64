-- Daily report roll-ups (package report): one accumulator per closed day,
-- grouping (service, counter, officer, day, hour) and key, holding counts,
-- sums and per-second histograms of waiting and service times, so that
-- reports over any range of days have exact medians and percentiles.
-- A closed day never changes, so its roll-up is written once.

CREATE TABLE report_days (
	day       TEXT PRIMARY KEY,
	rolled_at INTEGER NOT NULL
) STRICT;

CREATE TABLE report_groups (
	dim  TEXT NOT NULL,
	day  TEXT NOT NULL,
	key  TEXT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (dim, day, key)
) STRICT, WITHOUT ROWID;

-- Reports read tickets by day.
CREATE INDEX tickets_day ON tickets (day);

-- The log's hash chain (hallq.ChainNext): each event's chain hashes the one
-- before it with the event's seq and body, so the central store can tell
-- this hall's history from another one (a restored older copy, a second
-- server shipping as this hall). Events logged before this migration are
-- chained by the store on opening (Go computes SHA-256; SQLite has none).
ALTER TABLE events ADD COLUMN chain BLOB;

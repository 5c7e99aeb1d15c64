-- Fewer indexes on tickets (issue 18): every index is one more page that
-- each issue writes to the log and fsyncs. tickets_issued served no query.
-- tickets_day (reports, the day's state at start) is the first column of
-- the number index once that index holds every ticket: with
-- transferred_from in its key, an original's number is still given once a
-- day (every original has ''), while a transfer's new ticket, which keeps
-- its number, differs by the ticket it came from (a ticket is transferred
-- at most once).
DROP INDEX tickets_issued;
DROP INDEX tickets_day;
DROP INDEX tickets_number;
CREATE UNIQUE INDEX tickets_number ON tickets (day, service, number, transferred_from);

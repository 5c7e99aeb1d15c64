-- The order of issue (docs/ARCHITECTURE.md): the sequence number of the
-- ticket.issued event that gave each ticket; a transfer's new ticket keeps
-- its original's. Queues follow it within a service, never the clock,
-- which may have been set back between two tickets. Tickets logged before
-- this migration take it from their log.
ALTER TABLE tickets ADD COLUMN issue_seq INTEGER NOT NULL DEFAULT 0;

WITH RECURSIVE origin (id, root) AS (
	SELECT id, id FROM tickets WHERE transferred_from = ''
	UNION ALL
	SELECT t.id, o.root FROM tickets t JOIN origin o ON t.transferred_from = o.id
)
UPDATE tickets SET issue_seq = coalesce((
	SELECT e.seq FROM origin o JOIN events e ON e.ticket_id = o.root AND e.type = 'ticket.issued'
	WHERE o.id = tickets.id), 0);

// Package display is the hall's display client: a websocket client of the
// hall server's event stream that resumes after any disconnect without
// missing or repeating an event, the hall state it keeps, the renderers that
// show it (terminal, Linux framebuffer, MAX7219 LED board over SPI) and
// the announcement player. cmd/display wires them to a config file.
package display

import "github.com/hallq/hallq"

// Message is one message of the stream: a snapshot or an event.
type Message struct {
	// Snapshot is the hall's state as of its Seq: the first message after
	// every (re)connection.
	Snapshot *hallq.Snapshot
	// Event is set for every other message.
	Event *hallq.Event
	// Replayed says the event is already reflected in the last snapshot
	// (it was logged while the client was away): a renderer need not apply
	// it, an announcer may still say it.
	Replayed bool
}

// IsCall reports whether ev calls a number (a first call or a recall).
func IsCall(ev *hallq.Event) bool {
	return ev != nil && ev.Ticket != nil && (ev.Type == hallq.EventTicketCalled || ev.Type == hallq.EventTicketRecalled)
}

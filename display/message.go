// Package display is the hall's display client: a websocket client of the
// hall server's event stream that resumes after any disconnect without
// missing or repeating an event, the hall state it keeps, the renderers that
// show it (terminal, Linux framebuffer, MAX7219 LED board over SPI) and
// the announcement player. cmd/display wires them to a config file.
package display

import (
	"time"

	"github.com/hallq/hallq"
)

// Message is one message of the stream: a snapshot or an event.
type Message struct {
	// Snapshot is the hall's state as of its Seq: the first message after
	// every (re)connection.
	Snapshot *Snapshot
	// Event is set for every other message.
	Event *hallq.Event
	// Replayed says the event is already reflected in the last snapshot
	// (it was logged while the client was away): a renderer need not apply
	// it, an announcer may still say it.
	Replayed bool
}

// Snapshot is the first message of a stream.
type Snapshot struct {
	Type string   `json:"type"`
	Seq  int64    `json:"seq"`
	Hall HallView `json:"hall"`
	// Replay events with seq ≤ Seq follow; Truncated says the client was
	// too far behind for a replay and missed events for good.
	Replay    int  `json:"replay"`
	Truncated bool `json:"truncated,omitempty"`
}

// HallView is the hall's public state (GET /api/v1/hall).
type HallView struct {
	Hall struct {
		Name     string    `json:"name"`
		Day      string    `json:"day"`
		Language string    `json:"language"`
		Notice   string    `json:"notice"`
		Now      time.Time `json:"now"`
	} `json:"hall"`
	Services []ServiceView   `json:"services"`
	Counters []hallq.Counter `json:"counters"`
	// Recent are the latest calls, newest first.
	Recent []hallq.Event `json:"recent"`
}

// ServiceView is a service with its queue.
type ServiceView struct {
	hallq.Service
	Open           bool `json:"open"`
	Waiting        int  `json:"waiting"`
	EstimatedWaitS int  `json:"estimated_wait_s"`
}

// IsCall reports whether ev calls a number (a first call or a recall).
func IsCall(ev *hallq.Event) bool {
	return ev != nil && ev.Ticket != nil && (ev.Type == hallq.EventTicketCalled || ev.Type == hallq.EventTicketRecalled)
}

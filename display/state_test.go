package display

import (
	"slices"
	"testing"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
)

// TestStateRecallKeepsOneRow: a recall takes the place of the ticket's row
// and re-announces it; it does not add a row that pushes other counters'
// calls off the screen.
func TestStateRecallKeepsOneRow(t *testing.T) {
	var s State
	s.Apply(hallclient.Message{Snapshot: &hallq.Snapshot{Hall: hallq.HallView{
		Counters: []hallq.Counter{{ID: 1}, {ID: 2}}}}})
	a := &hallq.Ticket{ID: "a", Label: "A001", Service: "A"}
	b := &hallq.Ticket{ID: "b", Label: "A002", Service: "A"}
	seq := int64(0)
	apply := func(typ hallq.EventType, counter int, tk *hallq.Ticket) *hallq.Event {
		seq++
		return s.Apply(hallclient.Message{Event: &hallq.Event{Seq: seq, Type: typ, Counter: counter, Ticket: tk}})
	}
	apply(hallq.EventTicketCalled, 2, a)
	apply(hallq.EventTicketCalled, 1, b)
	for range 3 {
		if ev := apply(hallq.EventTicketRecalled, 1, b); ev == nil || ev.Ticket.ID != "b" {
			t.Fatalf("a recall is announced again: got %v", ev)
		}
	}
	apply(hallq.EventTicketRecalled, 2, a) // the older call stays in its place
	var rows []string
	for _, ev := range s.Hall.Recent {
		rows = append(rows, string(ev.Type)+" "+ev.Ticket.Label)
	}
	want := []string{"ticket.recalled A002", "ticket.recalled A001"}
	if !slices.Equal(rows, want) {
		t.Errorf("rows after the recalls: %v, want %v", rows, want)
	}
}

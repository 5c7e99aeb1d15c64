package queue

import (
	"strings"
	"testing"

	"github.com/hallq/hallq"
)

// TestRefused runs every refused command: each gets its code and reason,
// and leaves the engine exactly as it was.
func TestRefused(t *testing.T) {
	// Setups. Each returns the id of a ticket the command may need.
	none := func(h *hall) string { return "" }
	waiting := func(h *hall) string { h.open(1, ann); return h.issue("A", "").ID }
	opened := func(h *hall) string { h.open(1, ann); return "" }
	paused := func(h *hall) string { h.open(1, ann); h.counter(h.e.Pause(h.now, 1, ann)); return h.issue("A", "").ID }
	called := func(h *hall) string {
		h.open(1, ann)
		id := h.issue("A", "").ID
		h.issue("A", "")
		h.next(1, ann)
		return id
	}
	serving := func(h *hall) string { id := called(h); h.ticket(h.e.Start(h.now, 1, ann)); return id }
	done := func(h *hall) string { id := called(h); h.finish(1, ann); return id }
	cTicket := func(h *hall) string { h.open(3, ann); return h.issue("A", "").ID }
	oldNoShow := func(h *hall) string {
		// A no-show of yesterday still held (as the store may load it).
		ns := hallq.Ticket{ID: "old", Label: "A009", Number: 9, Service: "A", State: hallq.StateNoShow,
			Day: "2026-03-01", IssuedAt: local(2026, 3, 1, 9, 0)}
		h.store.extra = append(h.store.extra, ns)
		h.restart()
		return "old"
	}
	openNoOfficer := func(h *hall) string {
		c := h.store.counters[1]
		c.State = hallq.CounterOpen // as seeded by hand
		h.store.counters[1] = c
		h.restart()
		return ""
	}

	tests := []struct {
		name       string
		setup      func(h *hall) string
		op         func(h *hall, id string) error
		wantCode   string
		wantReason string
	}{
		// Nothing called at the counter.
		{"finish with nothing called", opened, finishAt(1, ann), hallq.ECONFLICT, "nothing_called"},
		{"start with nothing called", opened, startAt(1, ann), hallq.ECONFLICT, "nothing_called"},
		{"recall with nothing called", opened, recallAt(1, ann), hallq.ECONFLICT, "nothing_called"},
		{"no-show with nothing called", opened, noShowAt(1, ann), hallq.ECONFLICT, "nothing_called"},
		{"transfer with nothing called", opened, transferAt(1, "B", ann), hallq.ECONFLICT, "nothing_called"},
		{"finish at a closed counter", none, finishAt(1, ann), hallq.ECONFLICT, "nothing_called"},
		{"finish after finish", done, finishAt(1, ann), hallq.ECONFLICT, "nothing_called"},

		// Counter states.
		{"next on a closed counter", none, nextAt(1, ann), hallq.ECONFLICT, "counter_closed"},
		{"next on a paused counter", paused, nextAt(1, ann), hallq.ECONFLICT, "counter_paused"},
		{"next while busy", called, nextAt(1, ann), hallq.ECONFLICT, "busy"},
		{"next while serving", serving, nextAt(1, ann), hallq.ECONFLICT, "busy"},
		{"call on a closed counter", func(h *hall) string { return h.issue("A", "").ID }, callAt(1, ann), hallq.ECONFLICT, "counter_closed"},
		{"call on a paused counter", paused, callAt(1, ann), hallq.ECONFLICT, "counter_paused"},
		{"call while busy", called, func(h *hall, _ string) error { return callAt(1, ann)(h, "t2") }, hallq.ECONFLICT, "busy"},
		{"close while busy", called, closeAt(1, ann), hallq.ECONFLICT, "busy"},
		{"close while serving", serving, closeAt(1, ann), hallq.ECONFLICT, "busy"},
		{"pause a closed counter", none, pauseAt(1, ann), hallq.ECONFLICT, "counter_closed"},

		// Ticket states.
		{"cancel a called ticket", called, cancel, hallq.ECONFLICT, "not_waiting"},
		{"cancel a finished ticket", done, cancel, hallq.ECONFLICT, "not_waiting"},
		{"requeue a waiting ticket", waiting, requeue, hallq.ECONFLICT, "not_no_show"},
		{"requeue a called ticket", called, requeue, hallq.ECONFLICT, "not_no_show"},
		{"requeue a finished ticket", done, requeue, hallq.ECONFLICT, "not_no_show"},
		{"requeue a no-show of an earlier day", oldNoShow, requeue, hallq.ECONFLICT, "day_closed"},
		{"start twice", serving, startAt(1, ann), hallq.ECONFLICT, "already_started"},
		{"recall in service", serving, recallAt(1, ann), hallq.ECONFLICT, "already_started"},
		{"no-show in service", serving, noShowAt(1, ann), hallq.ECONFLICT, "already_started"},
		{"call a called ticket", func(h *hall) string { id := called(h); h.finish(1, ann); h.issue("A", ""); return id }, callAt(1, ann), hallq.ECONFLICT, "not_waiting"},
		{"call a ticket of a service the counter does not serve", cTicket, callAt(3, ann), hallq.ECONFLICT, "not_served"},
		{"mark a called ticket priority", called, markPriority("elderly"), hallq.ECONFLICT, "not_waiting"},

		// Who acts.
		{"pad at a counter with no officer", waiting, nextAt(2, pad1), hallq.ECONFLICT, "no_officer"},
		{"pad at an open counter with no officer", openNoOfficer, nextAt(1, pad1), hallq.ECONFLICT, "no_officer"},
		{"pad finish with no officer", none, finishAt(1, pad1), hallq.ECONFLICT, "no_officer"},
		{"other officer next", waiting, nextAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer open", opened, openAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer resume", paused, openAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer pause", opened, pauseAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer close", opened, closeAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer finish", called, finishAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer recall", called, recallAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer start", called, startAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer no-show", called, noShowAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer call", waiting, callAt(1, bob), hallq.EFORBIDDEN, ""},
		{"other officer transfer", called, transferAt(1, "B", bob), hallq.EFORBIDDEN, ""},
		{"manager at an officer's counter", waiting, nextAt(1, meg), hallq.EFORBIDDEN, ""},
		{"device opens a counter", none, openAt(1, pad1), hallq.EINVALID, ""},
		{"nobody acts", opened, nextAt(1, Actor{}), hallq.EINVALID, ""},

		// Unknown things.
		{"unknown counter next", none, nextAt(99, ann), hallq.ENOTFOUND, ""},
		{"unknown counter open", none, openAt(99, ann), hallq.ENOTFOUND, ""},
		{"unknown counter close", none, closeAt(99, ann), hallq.ENOTFOUND, ""},
		{"unknown counter rate", none, rateAt(99, 3, 0), hallq.ENOTFOUND, ""},
		{"unknown ticket cancel", none, withID("nope", cancel), hallq.ENOTFOUND, ""},
		{"unknown ticket requeue", none, withID("nope", requeue), hallq.ENOTFOUND, ""},
		{"unknown ticket priority", none, withID("nope", markPriority("")), hallq.ENOTFOUND, ""},
		{"unknown ticket call", opened, withID("nope", callAt(1, ann)), hallq.ENOTFOUND, ""},
		{"unknown service issue", none, issueIn("Z", ""), hallq.ENOTFOUND, ""},
		{"transfer to an unknown service", called, transferAt(1, "Z", ann), hallq.ENOTFOUND, ""},

		// Bad arguments.
		{"bad priority on issue", none, issueIn("A", "vip"), hallq.EINVALID, ""},
		{"bad priority on marking", waiting, markPriority("vip"), hallq.EINVALID, ""},
		{"transfer to no service", called, transferAt(1, "", ann), hallq.EINVALID, ""},
		{"transfer to the same service", called, transferAt(1, "A", ann), hallq.EINVALID, "same_service"},
		{"score off the scale", none, rateAt(1, 4, 0), hallq.EINVALID, ""},
		{"score zero", none, rateAt(1, 0, 0), hallq.EINVALID, ""},
		{"negative age", none, rateAt(1, 3, -1), hallq.EINVALID, ""},

		// Loose input (hallq's input rules).
		{"cancel reason with a NUL", waiting, func(h *hall, id string) error {
			_, _, err := h.e.Cancel(h.now, id, "printer\x00jam", ann)
			return err
		}, hallq.EINVALID, "field"},
		{"cancel reason of 3,000 characters", waiting, func(h *hall, id string) error {
			_, _, err := h.e.Cancel(h.now, id, strings.Repeat("x", 3000), ann)
			return err
		}, hallq.EINVALID, "field"},
		{"notice with a bidi override", none, func(h *hall, _ string) error {
			_, err := h.e.SetNotice(h.now, "Quầy \u202e4", root)
			return err
		}, hallq.EINVALID, "field"},
		{"counter name with an escape", none, func(h *hall, _ string) error {
			_, _, err := h.e.PutCounter(h.now, CounterDef{ID: 7, Name: "Quầy\x1b[2J", Services: []string{"A"}}, root)
			return err
		}, hallq.EINVALID, "field"},
		{"service code with markup", none, func(h *hall, _ string) error {
			_, _, err := h.e.PutService(h.now, hallq.Service{Code: "<b>\n", NameVI: "x", Prefix: "X"}, root)
			return err
		}, hallq.EINVALID, "field"},
		{"service with a 3,000-character prefix", none, func(h *hall, _ string) error {
			_, _, err := h.e.PutService(h.now, hallq.Service{Code: "X", NameVI: "x", Prefix: strings.Repeat("A", 3000)}, root)
			return err
		}, hallq.EINVALID, "field"},

		// Our own faults.
		{"NewID repeats an id", called, func(h *hall, id string) error {
			h.e.NewID = func() (string, string) { return id, "s" }
			return transferAt(1, "B", ann)(h, id)
		}, hallq.EINTERNAL, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			id := tc.setup(h)
			h.minutes(1)
			before := h.snapshot()
			err := tc.op(h, id)
			wantErr(t, err, tc.wantCode, tc.wantReason)
			if t.Failed() {
				return
			}
			after := h.snapshot()
			equal(t, "state after the error", after, before)
			if h.e.LastSeq() != h.store.lastSeq {
				t.Errorf("LastSeq: got %d, want %d", h.e.LastSeq(), h.store.lastSeq)
			}
			// A rebuilt engine sees the same hall: nothing happened that
			// the store did not learn of.
			h.restart()
			equal(t, "state after restart", h.snapshot().Tickets, before.Tickets)
		})
	}
}

// Commands as table values. Each returns only the error and checks that a
// failed command hands back nothing else.
type op = func(h *hall, id string) error

func noResult[T any](v *T, ch *Change, err error) error {
	if err != nil && (v != nil || ch != nil) {
		return hallq.Errorf(hallq.EINTERNAL, "failed command returned %v and %v", v, ch)
	}
	return err
}

func nextAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Next(h.now, c, by)) }
}
func callAt(c int, by Actor) op {
	return func(h *hall, id string) error { return noResult(h.e.Call(h.now, c, id, by)) }
}
func finishAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Finish(h.now, c, by)) }
}
func startAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Start(h.now, c, by)) }
}
func recallAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Recall(h.now, c, by)) }
}
func noShowAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.NoShow(h.now, c, by)) }
}
func transferAt(c int, service string, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Transfer(h.now, c, service, by)) }
}
func openAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Open(h.now, c, by)) }
}
func pauseAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Pause(h.now, c, by)) }
}
func closeAt(c int, by Actor) op {
	return func(h *hall, _ string) error { return noResult(h.e.Close(h.now, c, by)) }
}
func cancel(h *hall, id string) error {
	return noResult(h.e.Cancel(h.now, id, "print_failed", ann))
}
func requeue(h *hall, id string) error { return noResult(h.e.Requeue(h.now, id, ann)) }
func markPriority(kind string) op {
	return func(h *hall, id string) error { return noResult(h.e.MarkPriority(h.now, id, kind, ann)) }
}
func issueIn(service, prio string) op {
	return func(h *hall, _ string) error { return noResult(h.e.Issue(h.now, h.req(service, prio))) }
}
func rateAt(c, score int, age int64) op {
	return func(h *hall, _ string) error {
		return noResult(h.e.Rate(h.now, RateRequest{Counter: c, Score: score, Device: "pad1", DeviceSeq: 1, AgeMS: age}))
	}
}
func withID(id string, f op) op { return func(h *hall, _ string) error { return f(h, id) } }

package hallclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/server/servertest"
)

// TestErrorsDecoded: what the server refuses comes back as *hallq.Error
// with its code and reason; answers that are not the hall server's own
// (a proxy's 502, a bare 404) get a code from their status; an answer that
// never came wraps ErrUnreachable. Transient tells which a retry may cure.
func TestErrorsDecoded(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/hall", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":{"code":"unavailable","message":"closed now","reason":"outside_hours"}}`))
	})
	mux.HandleFunc("/api/v1/tickets", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	})
	mux.HandleFunc("/api/v1/ratings", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	})
	srv := httptest.NewServer(mux)
	c := hallclient.New(srv.URL, 5*time.Second)
	ctx := context.Background()

	_, err := c.Hall(ctx, "")
	var he *hallq.Error
	if !errors.As(err, &he) || he.Code != hallq.EUNAVAILABLE || he.Reason != "outside_hours" || he.Message != "closed now" {
		t.Errorf("coded refusal: got %#v", err)
	}
	if hallclient.Transient(err) {
		t.Errorf("a refusal with a reason is not transient: %v", err)
	}
	if _, err := c.Issue(ctx, "", hallq.TicketRequest{Service: "A"}); !errors.Is(err, hallclient.ErrUnreachable) || !hallclient.Transient(err) {
		t.Errorf("a proxy's 502: got %v, want ErrUnreachable", err)
	}
	if _, err := c.Rate(ctx, "", hallq.RatingPress{}); !hallclient.IsCode(err, hallq.ENOTFOUND, "") || hallclient.Transient(err) {
		t.Errorf("a bare 404: got %v, want ENOTFOUND", err)
	}
	srv.Close()
	if _, err := c.Hall(ctx, ""); !errors.Is(err, hallclient.ErrUnreachable) || !hallclient.Transient(err) {
		t.Errorf("server gone: got %v, want ErrUnreachable", err)
	}
}

// TestCallsAgainstARealHall: the typed calls against a demo hall, from a
// ticket's issue to its rating, with the server's refusals decoded.
func TestCallsAgainstARealHall(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	c, ctx := h.Client, context.Background()
	officer := h.Login("canbo1")
	if _, err := c.SetCounter(ctx, officer, 1, hallclient.CounterOpen); err != nil {
		t.Fatal(err)
	}
	if tk, err := c.Next(ctx, officer, 1); err != nil || tk != nil {
		t.Fatalf("next with nobody waiting: %v, %v; want no ticket", tk, err)
	}
	req := hallq.TicketRequest{Service: "A", IdempotencyKey: "k1"}
	tk, err := c.Issue(ctx, servertest.KioskToken, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Issue(ctx, servertest.KioskToken, req)
	if err != nil || again.ID != tk.ID {
		t.Fatalf("retry with the same key: %v, %v; want ticket %s", again, err, tk.ID)
	}
	if _, err := c.Issue(ctx, servertest.KioskToken, hallq.TicketRequest{Service: "B", IdempotencyKey: "k1"}); !hallclient.IsCode(err, hallq.ECONFLICT, "key_reused") {
		t.Errorf("key reused for another service: %v, want conflict/key_reused", err)
	}
	called, err := c.Next(ctx, officer, 1)
	if err != nil || called == nil || called.ID != tk.ID {
		t.Fatalf("next: %v, %v; want %s", called, err, tk.ID)
	}
	if _, err := c.Finish(ctx, officer, 1); err != nil {
		t.Fatal(err)
	}
	r, err := c.Rate(ctx, servertest.PadToken(1), hallq.RatingPress{Counter: 1, Score: 3, DeviceSeq: 1})
	if err != nil || r.TicketID != tk.ID {
		t.Fatalf("rating: %+v, %v; want one for %s", r, err, tk.ID)
	}
	evs, err := c.AllEvents(ctx, h.Login("quanly"), 0)
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Type != hallq.EventRatingRecorded {
		t.Fatalf("events: %d, %v; want the rating last", len(evs), err)
	}
	if _, err := c.Login(ctx, "canbo1", "wrong"); !hallclient.IsCode(err, hallq.EUNAUTHORIZED, "") {
		t.Errorf("wrong password: %v, want unauthorized", err)
	}
}

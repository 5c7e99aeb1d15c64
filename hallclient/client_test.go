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

// TestLoadAdminAndEnrolmentCalls: the calls a load generator, an admin and
// an enrolling device make: a ticket issued and called with only its id
// read, the notice set, a pad's request approved with its counter and its
// token collected by polling (also at the request's own path when the
// answer named none).
func TestLoadAdminAndEnrolmentCalls(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	c, ctx := h.Client, context.Background()
	officer, admin := h.Login("canbo1"), h.Login("admin")
	if _, err := c.SetCounter(ctx, officer, 1, hallclient.CounterOpen); err != nil {
		t.Fatal(err)
	}
	if id, err := c.NextID(ctx, officer, 1); err != nil || id != "" {
		t.Fatalf("next with nobody waiting: %q, %v; want no ticket", id, err)
	}
	if err := c.IssueOnly(ctx, servertest.KioskToken, hallq.TicketRequest{Service: "A", IdempotencyKey: "load-1"}); err != nil {
		t.Fatal(err)
	}
	tk, err := c.Issue(ctx, servertest.KioskToken, hallq.TicketRequest{Service: "A", IdempotencyKey: "load-1"})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := c.NextID(ctx, officer, 1); err != nil || id != tk.ID {
		t.Fatalf("next: %q, %v; want %s", id, err, tk.ID)
	}

	if err := c.SetNotice(ctx, admin, "Nghỉ trưa 11:30–13:30"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Hall(ctx, admin); err != nil || v.Hall.Notice != "Nghỉ trưa 11:30–13:30" {
		t.Fatalf("hall after the notice: %v; want the notice", err)
	}
	if err := c.SetNotice(ctx, officer, "x"); !hallclient.IsCode(err, hallq.EFORBIDDEN, "") {
		t.Errorf("an officer's notice: %v, want forbidden", err)
	}

	ans, _, err := c.Enrol(ctx, hallq.EnrolRequest{Name: "kiosk-pad-2", Kind: "pad", Code: "AB12-CD"})
	if err != nil {
		t.Fatal(err)
	}
	own := *ans
	own.Poll = "" // the request's own path, from its id and secret
	for _, a := range []*hallq.EnrolAnswer{ans, &own} {
		if st, _, err := c.PollEnrolment(ctx, a); err != nil || st.State != hallq.EnrolPending {
			t.Fatalf("poll before approval: %+v, %v; want pending", st, err)
		}
	}
	reqs, err := c.Enrolments(ctx, admin)
	if err != nil || len(reqs) != 1 || reqs[0].ID != ans.ID || reqs[0].Code != "AB12-CD" {
		t.Fatalf("enrolments: %+v, %v; want the pad's request", reqs, err)
	}
	if err := c.ApproveEnrolment(ctx, admin, ans.ID, 0); !hallclient.IsCode(err, hallq.EINVALID, "") {
		t.Errorf("a pad approved without its counter: %v, want invalid", err)
	}
	if err := c.ApproveEnrolment(ctx, admin, ans.ID, 2); err != nil {
		t.Fatal(err)
	}
	st, _, err := c.PollEnrolment(ctx, &own)
	if err != nil || st.State != hallq.EnrolApproved || st.Token == "" {
		t.Fatalf("poll after approval: %+v, %v; want the token", st, err)
	}
	if _, err := c.Rate(ctx, st.Token, hallq.RatingPress{Counter: 2, Score: 3, DeviceSeq: 1}); err != nil {
		t.Errorf("a press with the enrolled pad's token: %v", err)
	}
}

package hallclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestCheckInRefusalNamesService: a check-in refused as too_early,
// too_late or cancelled comes back naming the booking's service, so that
// a kiosk offers an ordinary number of that service; an unknown code
// names none.
func TestCheckInRefusalNamesService(t *testing.T) {
	vn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2027, 4, 14, hh, mm, 0, 0, vn) } // a Wednesday, no holiday
	clock := servertest.NewClock(at(7, 0))
	h := servertest.Start(t, servertest.Options{Now: clock.Now})
	c, ctx := h.Client, context.Background()
	book := func(service string, start time.Time) *hallq.Booking {
		t.Helper()
		b, err := c.Book(ctx, hallq.BookingRequest{Service: service, Start: start, Name: "Lê Văn Cường", Phone: "0987654321"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	early, late, gone := book("C", at(9, 0)), book("C", at(8, 0)), book("A", at(8, 30))
	k := gone.CancelURL[strings.Index(gone.CancelURL, "?k=")+3 : strings.Index(gone.CancelURL, "&")]
	if _, err := c.CancelBooking(ctx, "", gone.Code, k); err != nil {
		t.Fatal(err)
	}
	clock.Set(at(8, 11))
	for _, x := range []struct {
		code, reason, service string
	}{{early.Code, "too_early", "C"}, {late.Code, "too_late", "C"}, {gone.Code, "cancelled", "A"}, {"ZZZZ22", "", ""}} {
		_, _, err := c.CheckIn(ctx, servertest.KioskToken, x.code, hallq.BookingCheckInRequest{})
		if hallq.ErrorReason(err) != x.reason || hallq.ErrorService(err) != x.service || err == nil {
			t.Errorf("check-in of %s: %v (reason %q, service %q), want reason %q naming service %q",
				x.code, err, hallq.ErrorReason(err), hallq.ErrorService(err), x.reason, x.service)
		}
	}
}

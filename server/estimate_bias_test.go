package server_test

import (
	"html"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallq/hallq/server/servertest"
	"github.com/hallq/hallq/server/web/staff"
)

// The manager's table shows, beside the estimate's mean absolute error,
// its bias (real minus estimated wait, signed), so a manager sees whether
// tickets promise too short a wait: here they do, every citizen having
// waited half an hour past a near-zero estimate.
func TestManagerSeesEstimateBias(t *testing.T) {
	// The hall's morning (09:00 in its time zone), within hours of the
	// real time so that the browser keeps the session's cookie: late in
	// the evening the half-hour waits would end after midnight, on a day
	// whose summary knows none of these tickets.
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, loc)
	if now.Sub(start) > 10*time.Hour {
		start = start.AddDate(0, 0, 1)
	}
	var offset atomic.Int64
	h := servertest.Start(t, servertest.Options{Now: func() time.Time { return start.Add(time.Duration(offset.Load())) }})
	off := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", off, nil, nil)
	for range 3 {
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]string{"service": "A"}, nil); code != 201 && code != 200 {
			t.Fatalf("issue: %d", code)
		}
	}
	for range 3 {
		offset.Add(int64(30 * time.Minute))
		h.Do("POST", "/api/v1/counters/1/next", off, nil, nil)
		h.Do("POST", "/api/v1/counters/1/finish", off, nil, nil)
	}

	day := start.Format(time.DateOnly)
	days := "from=" + day + "&to=" + day

	mgr := h.Login("quanly")
	var sum struct {
		Rows []struct {
			Key  string
			Bias *float64 `json:"estimate_error_mean_s"`
		}
	}
	if code := h.Do("GET", "/api/v1/reports/summary?by=service&"+days, mgr, nil, &sum); code != 200 || len(sum.Rows) != 1 || sum.Rows[0].Bias == nil {
		t.Fatalf("summary: %d %+v, want one row with a bias", code, sum.Rows)
	}
	if b := *sum.Rows[0].Bias; b < 25*60 {
		t.Fatalf("bias %.0f s, want at least 25 minutes (waits of 30, 60, 90 minutes)", b)
	}
	want := staff.SignedMinutes(sum.Rows[0].Bias)

	c := browser(t, h, "quanly", "demo-quanly")
	for lang, hint := range map[string]string{"vi": "trên 0: phiếu hứa thời gian chờ ngắn hơn thực tế", "en": "above 0: tickets promised too short a wait"} {
		code, body := send(t, c, "GET", h.URL+"/manager?by=service&"+days+"&lang="+lang, nil, "")
		if code != 200 {
			t.Fatalf("/manager: %d", code)
		}
		if !regexp.MustCompile(`<small>` + regexp.QuoteMeta(hint) + `</small>`).MatchString(body) {
			t.Errorf("%s: no column header hint %q", lang, hint)
		}
		m := regexp.MustCompile(`(?s)<tr data-key="A">.*?<td class="est-bias">([^<]*)</td>`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s: no bias cell in service A's row", lang)
		} else if got := html.UnescapeString(m[1]); got != want || want[0] != '+' {
			t.Errorf("%s: service A's bias cell: got %q, want %q (signed, positive)", lang, got, want)
		}
	}
}

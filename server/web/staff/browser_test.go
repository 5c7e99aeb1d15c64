package staff_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/servertest"
)

// TestBrowser drives the staff pages in one headless Chromium, each
// subtest in a browser context of its own (its own cookies).
// hallZone is the demo hall's zone.
func hallZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestBrowser(t *testing.T) {
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	// Each tab is a person's own browser (own cookies); it fails its test
	// if a page throws, logs an error or gets an error from its server.
	tabs := map[context.Context]*browsertest.Tab{}
	tab := func(t *testing.T) context.Context {
		tb := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
		tabs[tb.Ctx] = tb
		return tb.Ctx
	}
	run := func(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// waitJS waits until expr is true, through navigations (which make a
	// page-side poll fail).
	waitJS := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			deadline := time.Now().Add(10 * time.Second)
			var err error
			for time.Now().Before(deadline) {
				var ok bool
				ok, err = chromedp.Evaluate[bool](expr)(ctx, t)
				if err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
			return fmt.Errorf("waiting for %s: %v", expr, err)
		})
	}
	signIn := func(t *testing.T, ctx context.Context, user, pw, landing string) {
		t.Helper()
		run(t, ctx,
			chromedp.Navigate(h.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.ID("login-submit")),
			waitJS(fmt.Sprintf(`location.pathname === %q`, landing)),
		)
	}

	t.Run("anonymous is sent to sign in", func(t *testing.T) {
		ctx := tab(t)
		run(t, ctx, chromedp.Navigate(h.URL+"/officer"), chromedp.WaitVisible(chromedp.ID("login-form")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.Contains(loc, "/login?next=%2Fofficer") {
			t.Errorf("location: got %s, want the sign-in page with next=/officer", loc)
		}
	})

	var served hallq.Ticket
	t.Run("officer opens a counter, calls next, finishes", func(t *testing.T) {
		ctx := tab(t)
		signIn(t, ctx, "canbo1", "demo-canbo", "/officer")
		run(t, ctx,
			chromedp.WaitVisible(chromedp.CSS(`button.open-counter[data-counter="1"]`)),
			chromedp.Click(chromedp.CSS(`button.open-counter[data-counter="1"]`)),
			chromedp.WaitVisible(chromedp.ID("console")),
		)
		// A citizen takes a number: the waiting list shows it live, marked
		// as printing (no call button) until the kiosk confirms the print.
		if code := h.Do("POST", "/api/v1/tickets", servertest.KioskToken, map[string]any{"service": "A", "hold_s": 60}, &served); code != 201 {
			t.Fatalf("issue: %d", code)
		}
		row := fmt.Sprintf(`document.querySelector('#waiting tr[data-ticket=%q] button.call-ticket')`, served.ID)
		run(t, ctx,
			waitJS(row+` !== null && `+row+`.disabled && `+row+`.textContent === "Đang in…"`),
		)
		if code := h.Do("POST", "/api/v1/tickets/"+served.ID+"/printed", servertest.KioskToken, nil, nil); code != 200 {
			t.Fatalf("printed: %d", code)
		}
		run(t, ctx,
			waitJS(row+` !== null && !`+row+`.disabled && `+row+`.textContent === "Gọi"`),
			waitJS(pressable("#btn-next")),
			chromedp.Click(chromedp.ID("btn-next")),
			waitJS(fmt.Sprintf(`document.getElementById("current-label").textContent === %q`, served.Label)),
			waitJS(`document.getElementById("current-timer").textContent !== ""`),
			// The call is shown (from the event stream) as soon as it is
			// made; the console takes the next press once the call's own
			// answer is in.
			waitJS(pressable("#btn-finish")),
			chromedp.Click(chromedp.ID("btn-finish")),
			waitJS(`document.getElementById("current-label").textContent === "—"`),
		)
		var got hallq.Ticket
		h.Do("GET", "/api/v1/tickets/"+served.ID, h.Login("admin"), nil, &got)
		if got.State != hallq.StateDone || got.Counter != 1 || got.Officer != "canbo1" {
			t.Errorf("ticket after finish: got %s at %d by %q, want done at 1 by canbo1", got.State, got.Counter, got.Officer)
		}
	})

	t.Run("manager downloads the CSV", func(t *testing.T) {
		ctx := tab(t)
		signIn(t, ctx, "quanly", "demo-quanly", "/manager")
		dir := t.TempDir()
		run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			events := true
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events,
				BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
			})
			return err
		}),
			chromedp.WaitVisible(chromedp.ID("summary")),
			waitJS(`!!document.querySelector('#summary tr[data-key="A"]')`),
			waitJS(`document.getElementById("live-open").textContent !== "–"`),
			chromedp.Click(chromedp.ID("csv")),
		)
		var data []byte
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			names, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
			if len(names) == 1 {
				data, _ = os.ReadFile(names[0])
				if len(data) > 0 {
					break
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.HasPrefix(string(data), "\ufeff") {
			t.Fatalf("download: got %.80q, want a CSV with a UTF-8 BOM", data)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]string{{"Lĩnh vực", "Số phiếu đã cấp"}, {"Hộ tịch", "1"}, {"Tổng cộng", "1"}}
		if len(rows) != len(want) {
			t.Fatalf("rows: got %q, want %d rows", rows, len(want))
		}
		for i, w := range want {
			if rows[i][0] != w[0] || rows[i][1] != w[1] {
				t.Errorf("row %d: got %q, want %q", i, rows[i][:2], w)
			}
		}
		if served := rows[1][2]; served != "1" {
			t.Errorf("served: got %s, want 1", served)
		}
	})

	t.Run("manager cannot open admin", func(t *testing.T) {
		ctx := tab(t)
		tabs[ctx].Allow("HTTP 403 for " + h.URL + "/admin")
		signIn(t, ctx, "quanly", "demo-quanly", "/manager")
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(h.URL+"/admin"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", resp.Status)
		}
		run(t, ctx, chromedp.WaitVisible(chromedp.ID("forbidden")))
	})

	t.Run("cross-site form post is refused", func(t *testing.T) {
		ctx := tab(t)
		tabs[ctx].Allow("HTTP 403 for " + h.URL + "/api/v1/counters/2/open")
		signIn(t, ctx, "canbo2", "demo-canbo", "/officer")
		// Another origin on the same host (so the SameSite=Strict cookie
		// is still sent) posts a form to open counter 2.
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/api/v1/counters/2/open"><button id="go">go</button></form>`, h.URL)
		}))
		defer evil.Close()
		tabs[ctx].Allow(evil.URL + "/favicon.ico") // another site's missing icon is not ours
		run(t, ctx,
			chromedp.Navigate(evil.URL),
			chromedp.Click(chromedp.ID("go")),
			waitJS(`document.body && document.body.innerText.includes("cross-origin request refused")`),
		)
		var c hallq.Counter
		h.Do("GET", "/api/v1/counters/2", h.Login("admin"), nil, &c)
		if c.State != hallq.CounterClosed {
			t.Errorf("counter 2 after the forged post: got %s, want closed", c.State)
		}
	})

	t.Run("admin creates and revokes a device", func(t *testing.T) {
		ctx := tab(t)
		signIn(t, ctx, "admin", "demo-admin", "/admin")
		run(t, ctx,
			waitJS(`!!document.querySelector('#devices tr[data-device="kiosk-1"]')`),
			chromedp.SendKeys(chromedp.ID("device-name"), "kiosk-cua-2"),
			chromedp.Click(chromedp.ID("device-create")),
			waitJS(`document.getElementById("new-token").textContent.length > 20`),
		)
		token, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("new-token")))
		if err != nil {
			t.Fatal(err)
		}
		if code := h.Do("POST", "/api/v1/devices/heartbeat", token, map[string]any{"printer": "ok"}, nil); code != 204 {
			t.Fatalf("new token: got %d, want 204", code)
		}
		run(t, ctx,
			waitJS(`!!document.querySelector('#devices tr[data-device="kiosk-cua-2"] button.revoke')`),
			chromedp.Click(chromedp.CSS(`#devices tr[data-device="kiosk-cua-2"] button.revoke`)),
			waitJS(`!!document.querySelector("dialog#confirm[open]")`),
			chromedp.Click(chromedp.ID("confirm-yes")),
			waitJS(`document.querySelector('#devices tr[data-device="kiosk-cua-2"]').className === "revoked"`),
		)
		if code := h.Do("POST", "/api/v1/devices/heartbeat", token, nil, nil); code != 401 {
			t.Errorf("revoked token: got %d, want 401", code)
		}
	})

	t.Run("admin sets a service's booking rules", func(t *testing.T) {
		ctx := tab(t)
		signIn(t, ctx, "admin", "demo-admin", "/admin")
		// A takes bookings in the demo: its row shows the suggested places
		// per slot; the admin sets 4 and makes B bookable.
		rowA, rowB := `#services tr[data-service="A"] `, `#services tr[data-service="B"] `
		// mark and reloaded tell the rows before a save from those the page
		// draws again once the save is done.
		mark := `document.querySelectorAll("#services tr").forEach((r) => { r.dataset.old = "1" }), true`
		reloaded := waitJS(`!document.querySelector("#services tr[data-old]")`)
		run(t, ctx,
			waitJS(`!!document.querySelector('`+rowA+`.bk-enabled') && document.querySelector('`+rowA+`.bk-enabled').checked`),
			waitJS(`/\d/.test(document.querySelector('`+rowA+`.bk-suggestion').textContent)`),
			chromedp.SetValue(chromedp.CSS(rowA+".bk-capacity"), "4"),
			waitJS(mark),
			chromedp.Click(chromedp.CSS(rowA+".svc-save")),
			reloaded,
			waitJS(`document.querySelector('`+rowA+`.bk-capacity').value === "4"`),
			chromedp.Click(chromedp.CSS(rowB+".bk-enabled")),
			waitJS(mark),
			chromedp.Click(chromedp.CSS(rowB+".svc-save")),
			reloaded,
			waitJS(`document.querySelector('`+rowB+`.bk-enabled').checked`),
		)
		var hv hallq.HallView
		h.Do("GET", "/api/v1/hall", "", nil, &hv)
		for _, sv := range hv.Services {
			switch {
			case sv.Code == "A" && (sv.Booking == nil || !sv.Booking.Enabled || sv.Booking.Capacity != 4 || sv.BookingCapacity != 4 || sv.SuggestedCapacity < 1):
				t.Errorf("A after saving: %+v (capacity %d, suggested %d)", sv.Booking, sv.BookingCapacity, sv.SuggestedCapacity)
			case sv.Code == "B" && (sv.Booking == nil || !sv.Booking.Enabled || sv.Booking.SlotMin != 15 || sv.Booking.DaysAhead != 14):
				t.Errorf("B after saving: %+v", sv.Booking)
			case sv.Code == "D" && sv.Booking != nil:
				t.Errorf("D never took bookings, now %+v", sv.Booking)
			}
		}
		var slots hallq.SlotsAnswer
		if code := h.Do("GET", "/api/v1/bookings/slots?service=B&date="+time.Now().In(hallZone(t)).AddDate(0, 0, 1).Format(time.DateOnly), "", nil, &slots); code != 200 {
			t.Errorf("B's slots after making it bookable: %d", code)
		}
	})

	t.Run("officer finds a booking and cancels it", func(t *testing.T) {
		day := time.Now().In(hallZone(t)).AddDate(0, 0, 1) // tomorrow in the hall's zone: a whole day of slots
		var slots hallq.SlotsAnswer
		if code := h.Do("GET", "/api/v1/bookings/slots?service=C&date="+day.Format(time.DateOnly), "", nil, &slots); code != 200 || len(slots.Slots) < 2 {
			t.Fatalf("slots: %d %+v", code, slots)
		}
		var codes []string
		for i, name := range []string{"Nguyễn Văn An", "Trần Thị Bình"} {
			var b hallq.Booking
			req := hallq.BookingRequest{Service: "C", Start: slots.Slots[i].Start, Name: name, Phone: "090512345" + string(rune('0'+i))}
			if code := h.Do("POST", "/api/v1/bookings", "", req, &b); code != 201 {
				t.Fatalf("book: %d", code)
			}
			codes = append(codes, b.Code)
		}
		ctx := tab(t)
		signIn(t, ctx, "canbo1", "demo-canbo", "/officer")
		rowOf := func(code string) string {
			return fmt.Sprintf(`document.querySelector('#bk-rows tr[data-booking=%q]')`, code)
		}
		run(t, ctx,
			chromedp.Navigate(h.URL+"/bookings?day="+day.Format(time.DateOnly)+"&service=C"),
			waitJS(rowOf(codes[0])+` !== null && `+rowOf(codes[1])+` !== null`),
			// An officer sees the phone masked.
			waitJS(rowOf(codes[1])+`.querySelector(".bk-phone").textContent === "090****451"`),
			waitJS(rowOf(codes[1])+`.querySelector(".bk-name").textContent === "Trần Thị Bình"`),
			chromedp.SendKeys(chromedp.ID("bk-q"), "Bình"),
			chromedp.Click(chromedp.ID("bk-show")),
			waitJS(rowOf(codes[0])+` === null && `+rowOf(codes[1])+` !== null`),
			chromedp.Click(chromedp.CSS(`#bk-rows tr[data-booking="`+codes[1]+`"] button.bk-cancel`)),
			waitJS(`!!document.querySelector("dialog#confirm[open]")`),
			chromedp.Click(chromedp.ID("confirm-yes")),
			waitJS(rowOf(codes[1])+` !== null && `+rowOf(codes[1])+`.querySelector(".bk-status").textContent === "Đã huỷ" && !`+rowOf(codes[1])+`.querySelector("button.bk-cancel")`),
		)
		var b hallq.Booking
		h.Do("GET", "/api/v1/bookings/"+codes[1], h.Login("admin"), nil, &b)
		if b.Status != hallq.BookingCancelled {
			t.Errorf("after the officer's cancel: %+v", b)
		}
	})

	t.Run("admin approves a pad that asks to enrol", func(t *testing.T) {
		var req struct{ ID, Secret, Code string }
		if code := h.Do("POST", "/api/v1/enrol", "", map[string]string{"name": "pad-quay-4", "kind": "pad", "code": "7Q4K"}, &req); code != 201 && code != 202 {
			t.Fatalf("enrol: %d", code)
		}
		poll := "/api/v1/enrol/" + req.ID + "?secret=" + req.Secret
		if code, _ := h.Raw("GET", poll, "", nil); code != 202 {
			t.Fatalf("poll before approval: got %d, want 202", code)
		}
		ctx := tab(t)
		signIn(t, ctx, "admin", "demo-admin", "/admin")
		row := `#enrolments tr[data-enrolment="pad-quay-4"]`
		run(t, ctx,
			waitJS(`!!document.querySelector('`+row+`')`),
			waitJS(`document.querySelector('`+row+` td.code').textContent === "7Q4K"`),
			chromedp.SendKeys(chromedp.CSS(row+` input`), "4"),
			chromedp.Click(chromedp.CSS(row+` button.approve`)),
			waitJS(`!document.querySelector('`+row+`')`),
		)
		var got struct {
			Token  string
			Device hallq.Device
		}
		if code := h.Do("GET", poll, "", nil, &got); code != 200 || got.Token == "" || got.Device.Counter != 4 {
			t.Fatalf("poll after approval: %d %+v", code, got)
		}
		if code := h.Do("POST", "/api/v1/ratings", got.Token, `{"counter":4,"score":3,"device_seq":1,"age_ms":0}`, nil); code != 201 {
			t.Errorf("the enrolled pad rates at counter 4: got %d, want 201", code)
		}
	})

	t.Run("admin sees requests from a device's address and rejects all at once", func(t *testing.T) {
		// The demo kiosk (kiosk-1) is heard from this machine's address,
		// where two more requests come from.
		if code := h.Do("POST", "/api/v1/devices/heartbeat", servertest.KioskToken, nil, nil); code != 204 {
			t.Fatalf("heartbeat: %d", code)
		}
		var polls []string
		for i, name := range []string{"flood-a", "flood-b"} {
			var req struct{ ID, Secret string }
			if code := h.Do("POST", "/api/v1/enrol", "", map[string]string{"name": name, "kind": "display", "code": fmt.Sprint("FLD", i)}, &req); code != 202 {
				t.Fatalf("enrol %s: %d", name, code)
			}
			polls = append(polls, "/api/v1/enrol/"+req.ID+"?secret="+req.Secret)
		}
		ctx := tab(t)
		signIn(t, ctx, "admin", "demo-admin", "/admin")
		row := `#enrolments tr[data-enrolment="flood-a"]`
		run(t, ctx,
			waitJS(`!!document.querySelector('`+row+` .same-address') && document.querySelector('`+row+` .same-address').textContent.includes("kiosk-1")`),
			chromedp.Click(chromedp.ID("reject-all")),
			waitJS(`!!document.querySelector("dialog#confirm[open]") && document.getElementById("confirm-text").textContent.includes(" 2 ")`),
			chromedp.Click(chromedp.ID("confirm-yes")),
			waitJS(`document.querySelectorAll("#enrolments tr[data-enrolment]").length === 0 && document.getElementById("reject-all").hidden`),
		)
		for _, poll := range polls {
			if code, body := h.Raw("GET", poll, "", nil); code != 403 {
				t.Errorf("a rejected request polls: got %d %s, want 403", code, body)
			}
		}
	})

	t.Run("officer console on the glass", func(t *testing.T) { testOfficerGlass(t, b) })
	t.Run("officer console offline", func(t *testing.T) { testOfficerOffline(t, b) })
	t.Run("manager dashboard on the glass", func(t *testing.T) { testManagerGlass(t, b) })
	t.Run("monthly report on A4", func(t *testing.T) { testMonthlyOnA4(t, b) })
	t.Run("definitions from the dashboard", func(t *testing.T) { testDefinitionsFromDashboard(t, b) })
	t.Run("admin on the glass", func(t *testing.T) { testAdminGlass(t, b) })
	t.Run("manager's forecast on the glass", func(t *testing.T) { testForecastGlass(t, b) })
	t.Run("bookings on the dashboard", func(t *testing.T) { testBookingsOnDashboard(t, b) })
	t.Run("bookings page on the glass", func(t *testing.T) { testBookingsGlass(t, b) })
	t.Run("top bar on phones", func(t *testing.T) { testTopBarOnPhones(t, b) })
}

package touch

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
)

// names are procedure areas as Vietnamese halls name them, long ones too.
var names = []string{"Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký kinh doanh",
	"Lao động – Thương binh và Xã hội", "Tư pháp – Quốc tịch", "Giao thông vận tải",
	"Tài nguyên và Môi trường", "Văn hoá – Thông tin – Thể thao", "Y tế – Bảo hiểm xã hội", "Giáo dục và Đào tạo"}

// fakeHall serves n services with busy queues.
type fakeHall struct {
	mu sync.Mutex
	n  int
}

func (f *fakeHall) hall(context.Context) (*hallq.HallView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &hallq.HallView{}
	h.Hall.Name = "Bộ phận Một cửa UBND phường Lộc Thọ, TP. Nha Trang"
	for i := range f.n {
		s := hallq.ServiceView{Service: hallq.Service{Code: string(rune('A' + i)), NameVI: names[i], NameEN: "Procedure " + string(rune('A'+i))},
			Open: i != 3, Waiting: 12 + i, EstimatedWaitS: 1500 + 60*i}
		if !s.Open {
			s.Closed = "daily_cap"
		}
		h.Services = append(h.Services, s)
	}
	return h, nil
}

func (f *fakeHall) set(n int) {
	f.mu.Lock()
	f.n = n
	f.mu.Unlock()
}

// servePage serves the page over hall f, with check-ins by c, and returns
// its address; every touch of a service gives ticket 1025 (c notes it).
func servePage(t *testing.T, f *fakeHall, c *checkIns) string {
	t.Helper()
	h := Handler(Options{
		Hall: f.hall,
		Take: func(_ context.Context, service, _ string) Outcome {
			c.mu.Lock()
			c.took = append(c.took, service)
			c.mu.Unlock()
			return Outcome{OK: true, Label: "1025", Service: service, Ahead: 1, WaitS: 60}
		},
		CheckIn:  c.checkIn,
		Status:   func() Status { return Status{} },
		Priority: true, PriorityKind: "elderly",
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// openPage opens the page at url in a new tab of b, once its services show.
// Each part of a long test has its own tab, so that each has the tab's
// whole deadline on a busy machine.
func openPage(t *testing.T, b *browsertest.Browser, url string, services int) *browsertest.Tab {
	t.Helper()
	tab := b.Tab(t, browsertest.TabOptions{})
	if err := tab.Navigate(url); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, fmt.Sprintf(`document.querySelectorAll(".svc").length === %d`, services))
	return tab
}

func settle(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
}

// TestTouchLayout: for 1 to 12 services, at every kiosk screen size (the
// official 7" Raspberry Pi display at 800×480 first), every service button,
// the priority button and the booking button are on screen without scrolling, each painted
// where it is and its text whole inside it; in English too.
func TestTouchLayout(t *testing.T) {
	f := &fakeHall{n: 5}
	tab := openPage(t, browsertest.Start(t), servePage(t, f, &checkIns{}), 5)
	look := browsertest.Layout{
		Seen:  []string{".svc", "#priority", "#booking", "#lang", "#hall", "#prompt"},
		Whole: []string{".svc", "#priority", "#booking", "#lang"},
	}
	for n := 1; n <= len(names); n++ {
		f.set(n)
		if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`refresh().then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		tab.Wait(t, fmt.Sprintf(`document.querySelectorAll(".svc").length === %d`, n))
		for _, v := range browsertest.Kiosks {
			if err := tab.Resize(v); err != nil {
				t.Fatal(err)
			}
			settle(t, tab)
			tab.MustLayout(t, v, look)
		}
	}
	// English, the longest texts, on the smallest screen.
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("lang"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("prompt").textContent === "Please choose your procedure"`)
	for _, v := range browsertest.Kiosks[:2] {
		if err := tab.Resize(v); err != nil {
			t.Fatal(err)
		}
		settle(t, tab)
		tab.MustLayout(t, v, look)
	}
	// The ticket's card, on the 7" screen.
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	settle(t, tab)
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`.svc[data-service="A"]`))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("card-number").textContent === "1025"`)
	tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Seen: []string{"#card-head", "#card-number", "#card-text"}, Whole: []string{"#card"}})
	if got, _ := browsertest.Eval[string](tab, `document.getElementById("card-text").textContent`); !strings.Contains(got, "about 1 minute.") {
		t.Errorf("the card reads %q, want \"about 1 minute\"", got)
	}
}

// TestPressAcrossARefresh: the page asks for the hall's figures every 5 s;
// a touch that lasts across such a refresh still gives a ticket (the
// buttons are updated in place, not replaced under the finger).
func TestPressAcrossARefresh(t *testing.T) {
	f := &fakeHall{n: 3}
	tab := openPage(t, browsertest.Start(t), servePage(t, f, &checkIns{}), 3)
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	settle(t, tab)
	xy, err := browsertest.Eval[[]float64](tab, `(r => [r.left + r.width / 2, r.top + r.height / 2])(document.querySelector('.svc[data-service="B"]').getBoundingClientRect())`)
	if err != nil || len(xy) != 2 {
		t.Fatalf("the button's place: %v %v", xy, err)
	}
	mouse := func(typ input.DispatchMouseEventType) chromedp.Action[chromedp.Void] {
		return chromedp.MouseEvent(typ, xy[0], xy[1], chromedp.ButtonLeft, chromedp.ClickCount(1))
	}
	if err := chromedp.Do(tab.Ctx, mouse(chromedp.MousePressed)); err != nil {
		t.Fatal(err)
	}
	// The refresh lands while the finger is down.
	if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`refresh().then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab.Ctx, mouse(chromedp.MouseReleased)); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("card-number").textContent === "1025"`)
}

// checkIns is a fake kiosk's check-in: codes it knows, and what it was
// asked; took are the services of the tickets taken.
type checkIns struct {
	mu    sync.Mutex
	asked []string
	took  []string
}

func (c *checkIns) checkIn(_ context.Context, code string) Outcome {
	c.mu.Lock()
	c.asked = append(c.asked, code)
	c.mu.Unlock()
	switch code {
	case "K7M2QX":
		return Outcome{OK: true, Label: "1007", Service: "A", Ahead: 2, WaitS: 120, Booking: code, Slot: "08:15"}
	case "TARDY2":
		return Outcome{Reason: "refused", ServerReason: "too_late"}
	case "EAGER3":
		return Outcome{Reason: "refused", ServerReason: "too_early", Message: "Mời quay lại từ 08:00"}
	case "CANCEX":
		return Outcome{Reason: "refused", ServerReason: "cancelled"}
	// As the server answers: naming the booking's service (D is closed).
	case "TARDC5":
		return Outcome{Reason: "refused", ServerReason: "too_late", Service: "C"}
	case "GXNEB4":
		return Outcome{Reason: "refused", ServerReason: "cancelled", Service: "B"}
	case "GXNED6":
		return Outcome{Reason: "refused", ServerReason: "cancelled", Service: "D"}
	}
	return Outcome{Reason: "refused", ServerReason: "unknown_code"}
}

func (c *checkIns) last() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

func (c *checkIns) taken() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.took...)
}

// TestBookingKeypad: the button 'Tôi đã đặt lịch hẹn' opens a keypad of
// letters and digits that is whole on every kiosk screen; a code typed on
// it, or typed by a QR scanner in keyboard mode (keys then Enter), is
// checked in, and the card shows the number and the booked time, or says
// in Vietnamese (or English) why not, offering an ordinary number when the
// booked time has passed or the booking was cancelled.
func TestBookingKeypad(t *testing.T) {
	c := &checkIns{}
	b := browsertest.Start(t)
	url := servePage(t, &fakeHall{n: 5}, c)
	tab := openPage(t, b, url, 5)
	tab.Wait(t, `!document.getElementById("booking").hidden`)
	if got, _ := browsertest.Eval[string](tab, `document.getElementById("booking").textContent`); got != "Tôi đã đặt lịch hẹn" {
		t.Errorf("the booking button reads %q", got)
	}
	// The main screen with both footer buttons, and the keypad, on every screen.
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	for _, v := range browsertest.Kiosks {
		if err := tab.Resize(v); err != nil {
			t.Fatal(err)
		}
		settle(t, tab)
		tab.MustLayout(t, v, browsertest.Layout{Seen: []string{".svc", "#priority", "#booking"}, Whole: []string{".svc", "#priority", "#booking"}})
		click("#booking")
		tab.Wait(t, `!document.getElementById("keypad").hidden`)
		settle(t, tab)
		tab.MustLayout(t, v, browsertest.Layout{
			Seen:  []string{"#kp-title", "#kp-code", ".kp-key", "#kp-ok", "#kp-cancel"},
			Whole: []string{"#kp-card", ".kp-key", "#kp-ok", "#kp-cancel", "#kp-title", "#kp-hint"},
		})
		click("#kp-cancel")
		tab.Wait(t, `document.getElementById("keypad").hidden`)
	}
	// Typed on the keypad: a wrong key taken back, OK, the ticket.
	tab = openPage(t, b, url, 5)
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `!document.getElementById("booking").hidden`)
	click("#booking")
	for _, k := range []string{"K", "7", "M", "2", "Q", "Q"} {
		click(fmt.Sprintf(`.kp-key[data-key="%s"]`, k))
	}
	click("#kp-del")
	click(`.kp-key[data-key="X"]`)
	tab.Wait(t, `document.getElementById("kp-code").textContent === "K7M2QX" && !document.getElementById("kp-ok").disabled`)
	// Keys only for the characters of codes: no 0, O, 1, I or L.
	if keys, _ := browsertest.Eval[string](tab, `[...document.querySelectorAll(".kp-key[data-key]")].map(k => k.dataset.key).sort().join("")`); keys != "23456789ABCDEFGHJKMNPQRSTUVWXYZ" {
		t.Errorf("the keypad has the keys %q", keys)
	}
	click("#kp-ok")
	tab.Wait(t, `document.getElementById("card-number").textContent === "1007"`)
	text, _ := browsertest.Eval[string](tab, `document.getElementById("card-text").textContent`)
	if !strings.Contains(text, "Lịch hẹn 08:15") {
		t.Errorf("the card reads %q, want the booked time", text)
	}
	tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Seen: []string{"#card-head", "#card-number", "#card-text"}, Whole: []string{"#card"}})
	click("#overlay")

	// A scanner in keyboard mode: keys on the main screen open the keypad,
	// Enter sends the code.
	scan := func(code string) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, chromedp.KeyEvent(strings.ToLower(code)+"\r")); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ code, head, text, action string }{
		{"TARDY2", "Đã quá giờ hẹn", "lấy số thứ tự thông thường", "Lấy số thứ tự thông thường"},
		{"CANCEX", "Lịch hẹn đã bị huỷ", "lấy số thứ tự thông thường", "Lấy số thứ tự thông thường"},
		{"EAGER3", "Chưa đến giờ hẹn", "Mời quay lại từ 08:00", ""},
		{"ZZZZ22", "Không tìm thấy lịch hẹn", "ZZZZ22", ""},
	}
	for _, tc := range cases {
		tab.Wait(t, `!document.getElementById("booking").disabled`)
		scan(tc.code)
		tab.Wait(t, fmt.Sprintf(`document.getElementById("card-head").textContent === %q && !document.getElementById("overlay").hidden`, tc.head))
		text, _ := browsertest.Eval[string](tab, `document.getElementById("card-text").textContent`)
		action, _ := browsertest.Eval[string](tab, `document.getElementById("card-action").hidden ? "" : document.getElementById("card-action").textContent`)
		if !strings.Contains(text, tc.text) || action != tc.action {
			t.Errorf("%s: the card says %q with the button %q, want %q and %q", tc.code, text, action, tc.text, tc.action)
		}
		tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Seen: []string{"#card-head", "#card-text"}, Whole: []string{"#card"}})
		if tc.action != "" {
			click("#card-action") // back to the procedures, for an ordinary number
		} else {
			click("#overlay")
		}
		tab.Wait(t, `document.getElementById("overlay").hidden`)
	}
	if got, want := strings.Join(c.last(), " "), "K7M2QX TARDY2 CANCEX EAGER3 ZZZZ22"; got != want {
		t.Errorf("the kiosk was asked to check in %q, want %q", got, want)
	}

	// English.
	tab = openPage(t, b, url, 5)
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	click("#lang")
	tab.Wait(t, `document.getElementById("booking").textContent === "I have a booking"`)
	click("#booking")
	tab.Wait(t, `document.getElementById("kp-title").textContent === "Type your booking code or scan its QR code"`)
	tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Whole: []string{"#kp-card", ".kp-key", "#kp-ok", "#kp-cancel", "#kp-title", "#kp-hint"}})
}

// TestWalkInForTheBookedService: on the 7" screen, a booking refused as too
// late or cancelled offers, at one touch, an ordinary number of the
// booking's service, named on the button; that touch takes it. When the
// service is closed now, the button only goes back to the procedures.
func TestWalkInForTheBookedService(t *testing.T) {
	c := &checkIns{}
	tab := openPage(t, browsertest.Start(t), servePage(t, &fakeHall{n: 5}, c), 5)
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	settle(t, tab)
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	// refused scans code (a scanner in keyboard mode) and waits for the
	// card with head and its button; it returns the button's text.
	refused := func(code, head string) string {
		t.Helper()
		tab.Wait(t, `!document.getElementById("booking").disabled && document.getElementById("overlay").hidden`)
		if err := chromedp.Do(tab.Ctx, chromedp.KeyEvent(strings.ToLower(code)+"\r")); err != nil {
			t.Fatal(err)
		}
		tab.Wait(t, fmt.Sprintf(`document.getElementById("card-head").textContent === %q && !document.getElementById("overlay").hidden && !document.getElementById("card-action").hidden`, head))
		settle(t, tab)
		tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Seen: []string{"#card-head", "#card-text", "#card-action"}, Whole: []string{"#card", "#card-action"}})
		action, _ := browsertest.Eval[string](tab, `document.getElementById("card-action").textContent`)
		return action
	}
	for _, tc := range []struct{ code, head, action, service, number string }{
		{"TARDC5", "Đã quá giờ hẹn", "Lấy số thứ tự thông thường: Đất đai", "C", "1025"},
		{"GXNEB4", "Lịch hẹn đã bị huỷ", "Lấy số thứ tự thông thường: Chứng thực", "B", "1025"},
		// D is closed (no more numbers today): no ticket to offer.
		{"GXNED6", "Lịch hẹn đã bị huỷ", "Lấy số thứ tự thông thường", "", ""},
	} {
		before := len(c.taken())
		if got := refused(tc.code, tc.head); got != tc.action {
			t.Errorf("%s: the button reads %q, want %q", tc.code, got, tc.action)
		}
		click("#card-action")
		if tc.service == "" {
			tab.Wait(t, `document.getElementById("overlay").hidden`)
			if got := c.taken(); len(got) != before {
				t.Errorf("%s: took tickets %v, want none", tc.code, got[before:])
			}
			continue
		}
		tab.Wait(t, fmt.Sprintf(`document.getElementById("card-number").textContent === %q && !document.getElementById("overlay").hidden`, tc.number))
		if got := c.taken(); len(got) != before+1 || got[before] != tc.service {
			t.Errorf("%s: took tickets %v, want one of %s", tc.code, got[before:], tc.service)
		}
		click("#overlay")
	}
	// In English, the service's English name.
	click("#lang")
	tab.Wait(t, `document.getElementById("booking").textContent === "I have a booking"`)
	if got := refused("TARDC5", "Your booked time has passed"); got != "Take an ordinary number for Procedure C" {
		t.Errorf("in English the button reads %q", got)
	}
}

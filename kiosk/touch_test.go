package kiosk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/servertest"
)

const touchTOML = `
[server]
url = "{URL}"
token = "demo-kiosk-1"
timeout = "2s"

[kiosk]
state_dir = "{DIR}"

[printer]
device = "unused"
write_timeout = "300ms"
read_timeout = "300ms"

[lamps]
fault = "{P}GPIO13"

[touch]
enabled = true
listen = "127.0.0.1:0"
`

// TestTouchPage: in headless Chromium, a touch on a service yields one
// ticket and one print; the page shows the number, and English on request.
func TestTouchPage(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	r := newRig(t, rigOptions{url: h.URL, toml: touchTOML})
	page := r.k.TouchURL()
	if page == "" {
		t.Fatal("touch mode on, but no page")
	}

	tab := b.Tab(t, browsertest.TabOptions{})
	if err := tab.Resize(browsertest.Kiosks[2]); err != nil {
		t.Fatal(err)
	}
	ctx := tab.Ctx

	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.svc[data-service="A"]`)),
	); err != nil {
		t.Fatal(err)
	}
	// The page sizes its buttons to the screen once its fonts are in: the
	// touch lands where the button is then.
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
	prompt := text("#prompt")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.svc[data-service="A"]`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("card-number").textContent !== ""`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatal(err)
	}
	label, card := text("#card-number"), text("#card-text")
	if prompt != "Mời chọn lĩnh vực cần giải quyết" {
		t.Errorf("got prompt %q, want the Vietnamese one", prompt)
	}
	if err := r.printer.WaitCuts(1, wait); err != nil {
		t.Fatal(err)
	}
	ts := issued(t, h)
	if len(ts) != 1 || ts[0].Service != "A" {
		t.Fatalf("got %+v, want one ticket for A", ts)
	}
	if label != ts[0].Label {
		t.Errorf("page shows %q, want the ticket's label %q", label, ts[0].Label)
	}
	if !strings.Contains(card, "Số người đang chờ trước bạn") {
		t.Errorf("got card text %q, want the people ahead", card)
	}

	// The English toggle.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#overlay`)),
		chromedp.Click(chromedp.CSS(`#lang`)),
	); err != nil {
		t.Fatal(err)
	}
	prompt, svcName := text("#prompt"), text(`.svc[data-service="A"] .name`)
	if prompt != "Please choose your procedure" || svcName != "Civil status" {
		t.Errorf("got %q / %q in English, want the English prompt and \"Civil status\"", prompt, svcName)
	}
	time.Sleep(200 * time.Millisecond)
	if c := r.printer.Cuts(); c != 1 {
		t.Errorf("got %d prints, want 1", c)
	}
	if n := len(issued(t, h)); n != 1 {
		t.Errorf("got %d tickets, want 1", n)
	}
}

// TestTouchPageEnrolment: a touch kiosk without a token shows its code on
// the touch page instead of services a citizen could touch, and the
// services once the admin approves it.
func TestTouchPageEnrolment(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	admin := h.Login("admin")
	toml := strings.Replace(touchTOML, `token = "demo-kiosk-1"`, `name = "touch-1"`, 1)
	r := newRig(t, rigOptions{url: h.URL, toml: toml})
	req := h.PendingEnrolment(admin, "touch-1", "")

	tab := b.Tab(t, browsertest.TabOptions{})
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	ctx := tab.Ctx
	if err := chromedp.Do(ctx, chromedp.Navigate(r.k.TouchURL())); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("card-number").textContent === `+"`"+req.Code+"`"+` && !document.getElementById("overlay").hidden`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the code %s on the page: %v", req.Code, err)
	}
	head, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#card-head")))
	if err != nil || head != "Thiết bị chưa được đăng ký" {
		t.Errorf("card head %q, %v", head, err)
	}
	if code, body := h.Raw("POST", "/api/v1/enrolments/"+req.ID+"/approve", admin, nil); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	// The page refreshes every 5 s: the card goes, the services can be touched.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("overlay").hidden && document.querySelector('.svc[data-service="A"]') && !document.querySelector('.svc[data-service="A"]').disabled`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the services after approval: %v", err)
	}
}

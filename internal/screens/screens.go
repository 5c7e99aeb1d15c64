// Package screens takes screenshots of every page of hallq at the sizes of
// the screens it runs on (docs/screens/, cmd/screens): a demo hall with a
// fortnight of history and a busy morning (six counters open, fifteen
// tickets, recalls, a notice), the kiosk's touch page beside it, and
// headless Chromium.
package screens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/kiosk/touch"
	"github.com/hallq/hallq/server"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/cli"
	"github.com/hallq/hallq/server/sqlite"
	"github.com/hallq/hallq/simhall"
)

// Options of a run.
type Options struct {
	Dir string // where the PNGs go (created)
	// All takes every page at every size of its kind; otherwise the set
	// kept in docs/screens (each page at the sizes that tell most).
	All bool
	// Only, if set, takes only the shots whose name contains it.
	Only string
	// HistoryDays of simulated history give the manager's charts their
	// bars (default 14).
	HistoryDays int
	Log         io.Writer
}

// A shot is one page at one size.
type shot struct {
	name string // file name without .png
	v    browsertest.Viewport
	url  string // path on the hall server, or a full URL
	as   string // staff user to sign in as
	full bool   // the whole page, not just the viewport
	// ready is true in the page once it shows what it should.
	ready string
	// do, if set, is what a person does on the page once it is ready (a
	// script: touches, typing); then it waits for ready again.
	do string
}

// Run takes the screenshots.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "hallq-screens-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	if o.HistoryDays <= 0 {
		o.HistoryDays = 14
	}
	fmt.Fprintf(o.Log, "setting up the demo hall with %d days of history…\n", o.HistoryDays)
	// A throwaway hall whose passwords are the demo's, known to all: the
	// cheapest bcrypt will do (a real hall's cost is for real passwords).
	api.PasswordCost = bcrypt.MinCost
	dbPath := filepath.Join(tmp, "hall.db")
	if err := seed(ctx, dbPath, o.HistoryDays); err != nil {
		return fmt.Errorf("screens: seed: %w", err)
	}
	base, stop, err := serve(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("screens: hall server: %w", err)
	}
	defer stop()
	phones, err := morning(ctx, base)
	if err != nil {
		return fmt.Errorf("screens: traffic: %w", err)
	}
	booking, err := booked(ctx, base)
	if err != nil {
		return fmt.Errorf("screens: a booking: %w", err)
	}
	kiosk, stopKiosk, err := kioskPage(base)
	if err != nil {
		return fmt.Errorf("screens: kiosk page: %w", err)
	}
	defer stopKiosk()

	b, err := browsertest.Launch(ctx, filepath.Join(tmp, "chromium"))
	if err != nil {
		return err
	}
	defer b.Close()

	var failed []string
	for _, s := range shots(o.All, base, kiosk, phones, booking) {
		if o.Only != "" && !strings.Contains(s.name, o.Only) {
			continue
		}
		problems, err := take(b, s, o.Dir)
		if err != nil {
			return fmt.Errorf("screens: %s: %w", s.name, err)
		}
		fmt.Fprintf(o.Log, "%s.png\n", s.name)
		for _, p := range problems {
			fmt.Fprintf(o.Log, "  problem: %s\n", p)
			failed = append(failed, s.name+": "+p)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("screens: %d problems in the pages (listed above)", len(failed))
	}
	return nil
}

// shots lists the pages and sizes.
func shots(all bool, base, kiosk string, phones [2]string, booking string) []shot {
	pick := func(vs []browsertest.Viewport, keep ...int) []browsertest.Viewport {
		if all {
			return vs
		}
		var out []browsertest.Viewport
		for _, i := range keep {
			out = append(out, vs[i])
		}
		return out
	}
	var out []shot
	add := func(page, path, as string, full bool, ready string, vs []browsertest.Viewport) {
		for _, v := range vs {
			out = append(out, shot{name: page + "-" + v.Name, v: v, url: path, as: as, full: full, ready: ready})
		}
	}
	add("hall", base+"/display/hall?audio=0", "", false,
		`document.querySelectorAll("#calls li").length >= 6 && document.querySelectorAll("#services li").length > 0`, pick(browsertest.TVs, 0, 1, 2))
	add("hall-en", base+"/display/hall?audio=0&lang=en", "", false,
		`document.querySelectorAll("#calls li").length >= 6`, pick(browsertest.TVs, 0))
	add("counter", base+"/display/counter/3", "", false, `document.getElementById("state").textContent !== ""`, pick(browsertest.TVs, 0))
	phone := `document.getElementById("t-number").textContent !== "…"`
	add("phone", base+phones[0], "", false, phone, pick(browsertest.Phones, 0, 1))
	add("phone-called", base+phones[1], "", false, phone, pick(browsertest.Phones, 0))
	add("kiosk", kiosk, "", false, `document.querySelectorAll(".svc").length > 0`, pick(browsertest.Kiosks, 0, 1, 2, 3, 4))
	// A citizen with a booking: the keypad, the code half typed.
	for _, v := range pick(browsertest.Kiosks, 0) {
		out = append(out, shot{name: "kiosk-keypad-" + v.Name, v: v, url: kiosk, ready: `!document.getElementById("booking").hidden`,
			do: `document.getElementById("booking").click(), [..."K7M2"].forEach((c) => document.querySelector('.kp-key[data-key="' + c + '"]').click())`})
	}
	add("book", base+"/book", "", false, `document.querySelectorAll("#b-services .b-choice").length > 0`, pick(browsertest.Phones, 0))
	add("booking", base+booking, "", false, `document.getElementById("b-state").textContent !== ""`, pick(browsertest.Phones, 0))
	add("officer", base+"/officer?counter=1", "canbo1", false, `!document.getElementById("console").hidden`, pick(browsertest.Desktops, 0, 1))
	add("manager", base+"/manager", "quanly", true, `document.getElementById("live-open").textContent !== "–"`, pick(browsertest.Desktops, 0, 1))
	// The month the simulated history mostly falls in.
	month := time.Now().AddDate(0, 0, -7).Format("2006-01")
	add("monthly", base+"/manager/monthly?month="+month, "quanly", true, `document.querySelectorAll("#monthly-table tbody tr").length > 3`,
		pick(browsertest.Desktops, 0))
	add("admin", base+"/admin", "admin", true, `document.querySelectorAll("#devices tr").length > 0`, pick(browsertest.Desktops, 0, 1))
	return out
}

var passwords = map[string]string{"canbo1": "demo-canbo", "quanly": "demo-quanly", "admin": "demo-admin"}

// take loads one page at one size, checks it and writes its PNG.
func take(b *browsertest.Browser, s shot, dir string) ([]string, error) {
	t, err := b.NewTab(browsertest.TabOptions{OwnCookies: true})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	ctx, cancel := context.WithTimeout(t.Ctx, time.Minute)
	defer cancel()
	t.Ctx = ctx
	if err := t.Resize(s.v); err != nil {
		return nil, err
	}
	if s.as != "" {
		origin := s.url[:strings.Index(s.url[len("http://"):], "/")+len("http://")]
		if err := t.Navigate(origin + "/login"); err != nil {
			return nil, err
		}
		body, _ := json.Marshal(map[string]string{"username": s.as, "password": passwords[s.as]})
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			fmt.Sprintf(`fetch("/api/v1/login", {method: "POST", body: %q}).then((r) => r.status)`, body), chromedp.EvalAwaitPromise)); err != nil {
			return nil, err
		}
	}
	if err := t.Navigate(s.url); err != nil {
		return nil, err
	}
	if err := t.WaitFor(s.ready, 20*time.Second); err != nil {
		return nil, err
	}
	if s.do != "" {
		if _, err := browsertest.Eval[bool](t, "("+s.do+", true)"); err != nil {
			return nil, err
		}
		if err := t.WaitFor(s.ready, 20*time.Second); err != nil {
			return nil, err
		}
	}
	// Fonts, and the first tick of clocks and timers.
	time.Sleep(1200 * time.Millisecond)
	// The TV's notice caught a third of its way across, not at its start.
	if _, err := browsertest.Eval[bool](t, `(document.querySelectorAll(".marquee").forEach((m) => { m.style.animationDelay = -0.3 * parseFloat(getComputedStyle(m).animationDuration) + "s"; }), true)`); err != nil {
		return nil, err
	}
	var raw []byte
	if s.full {
		raw, err = t.FullScreenshot(s.v)
	} else {
		raw, err = t.Screenshot()
	}
	if err != nil {
		return nil, err
	}
	small, err := smallPNG(raw)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, s.name+".png"), small, 0o644); err != nil {
		return nil, err
	}
	return t.Problems(), nil
}

// seed sets up the demo hall with days of simulated history, so the
// manager's charts have something to show.
func seed(ctx context.Context, path string, days int) error {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := server.SeedDemo(ctx, db); err != nil {
		return err
	}
	_, err = simhall.Seed(ctx, db, simhall.SeedConfig{Days: days, TicketsPerDay: 220, Seed: 13})
	return err
}

// serve runs the hallserver command itself on a free port of 127.0.0.1.
func serve(ctx context.Context, dbPath string) (string, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"-db", dbPath, "-addr", "127.0.0.1:0"},
			cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Ready: func(a string) { ready <- a }})
	}()
	select {
	case a := <-ready:
		return "http://" + a, func() { cancel(); <-done }, nil
	case code := <-done:
		cancel()
		return "", nil, fmt.Errorf("hallserver exited with %d", code)
	case <-time.After(30 * time.Second):
		cancel()
		return "", nil, errors.New("hallserver did not start in 30 s")
	}
}

// morning makes the hall busy: six counters open, each has called a
// number (two served, rated and followed by the next), counter 1 has
// recalled its number twice, fifteen-odd tickets issued, a notice on the
// TV, and the devices have reported their health. It returns the paths of
// two tickets' phone pages: one waiting, one called.
func morning(ctx context.Context, base string) (phones [2]string, _ error) {
	// Generous: signing in checks a bcrypt hash, slow on a busy machine under -race.
	c := hallclient.New(base, 2*time.Minute)
	pathOf := func(t *hallq.Ticket) string { return t.StatusURL[strings.Index(t.StatusURL, "/t/"):] }
	for i, s := range strings.Split("ABCDEABACDEABCA", "") {
		t, err := c.Issue(ctx, "demo-kiosk-1", hallq.TicketRequest{Service: s})
		if err != nil {
			return phones, err
		}
		switch i {
		case 13: // still waiting
			phones[0] = pathOf(t)
		case 0: // 1001, called at counter 1
			phones[1] = pathOf(t)
		}
	}
	officers := map[int]string{}
	for n := 1; n <= 6; n++ {
		s, err := c.Login(ctx, fmt.Sprintf("canbo%d", n), "demo-canbo")
		if err != nil {
			return phones, err
		}
		officers[n] = s.Token
		if _, err := c.SetCounter(ctx, s.Token, n, hallclient.CounterOpen); err != nil {
			return phones, err
		}
	}
	for _, step := range []struct {
		n      int
		action string
	}{{4, hallclient.ActNext}, {4, hallclient.ActStart}, {4, hallclient.ActFinish}, {5, hallclient.ActNext}, {5, hallclient.ActStart},
		{5, hallclient.ActFinish}, {1, hallclient.ActNext}, {2, hallclient.ActNext}, {3, hallclient.ActNext}, {4, hallclient.ActNext},
		{5, hallclient.ActNext}, {6, hallclient.ActNext}, {2, hallclient.ActStart}, {1, hallclient.ActRecall}, {1, hallclient.ActRecall}} {
		if _, err := c.Act(ctx, officers[step.n], step.n, step.action); err != nil {
			return phones, err
		}
	}
	for i, n := range []int{4, 5} {
		// The seeded history used the pads' first numbers.
		press := hallq.RatingPress{Counter: n, Score: 3 - i, DeviceSeq: time.Now().Unix()}
		if _, err := c.Rate(ctx, fmt.Sprintf("demo-pad-%d", n), press); err != nil {
			return phones, err
		}
	}
	adm, err := c.Login(ctx, "admin", "demo-admin")
	if err != nil {
		return phones, err
	}
	notice := "Bộ phận Một cửa làm việc từ thứ Hai đến thứ Sáu: sáng 07:30–11:30, chiều 13:30–17:00.\nCông dân vui lòng chuẩn bị đủ hồ sơ trước khi đến quầy."
	if err := c.SetNotice(ctx, adm.Token, notice); err != nil {
		return phones, err
	}
	// The devices report in, as they do every 30 s: the kiosk's paper runs low.
	beats := map[string]map[string]any{
		"demo-kiosk-1":      {"version": "v0.4.0", "printer": "online", "paper": "near_end", "outbox": 0, "printed": 15, "uptime_s": 9000},
		"demo-display-hall": {"version": "v0.4.0", "online": true, "renderer": "chromium", "last_seq": 120},
	}
	for n := 1; n <= 6; n++ {
		beats[fmt.Sprintf("demo-pad-%d", n)] = map[string]any{"version": "v0.4.0", "outbox": 0}
	}
	for tok, health := range beats {
		if err := c.Heartbeat(ctx, tok, health); err != nil {
			return phones, err
		}
	}
	return phones, nil
}

// booked books Hộ tịch tomorrow at 09:00 as a citizen does on /book, and
// returns the path of the booking's page.
func booked(ctx context.Context, base string) (string, error) {
	c := hallclient.New(base, time.Minute)
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return "", err
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	b, err := c.Book(ctx, hallq.BookingRequest{Service: "A", Start: time.Date(y, m, d, 9, 0, 0, 0, loc), Name: "Nguyễn Thị Lan", Phone: "0905 123 456"})
	if err != nil {
		return "", err
	}
	return b.StatusURL[strings.Index(b.StatusURL, "/book/"):], nil
}

// kioskPage serves the kiosk's touch page on 127.0.0.1, reading the hall
// from the server as a kiosk does (a touch there takes no ticket: the
// screenshots only look).
func kioskPage(base string) (string, func(), error) {
	hc := hallclient.New(base, 5*time.Second)
	h := touch.Handler(touch.Options{
		Hall:     func(ctx context.Context) (*hallq.HallView, error) { return hc.Hall(ctx, "demo-kiosk-1") },
		Take:     func(context.Context, string, string) touch.Outcome { return touch.Outcome{Reason: "busy"} },
		CheckIn:  func(context.Context, string) touch.Outcome { return touch.Outcome{Reason: "busy"} },
		Status:   func() touch.Status { return touch.Status{} },
		Priority: true, PriorityKind: "elderly",
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); touch.Serve(ctx, ln, h) }()
	return "http://" + ln.Addr().String() + "/", func() { cancel(); <-done }, nil
}

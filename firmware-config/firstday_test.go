package firmwareconfig_test

import (
	"context"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
)

// hallMorning is when the first-day hall runs: a Friday at 09:00 in
// Vietnam, inside the example hall's opening hours and after the release's
// build time, so the test does not depend on when it runs. The server's
// simulation clock starts there and runs at real speed.
const hallMorning = "2026-11-27T09:00:00+07:00"

// TestFirstDay does what docs/INSTALL.md tells an installer to do, from
// the release tarball: install.sh into three roots — the hall server, a
// button kiosk (simulated GPIO and printer) and a terminal display, all
// given the server's address with --server — then starts each program from
// its installed tree with its installed config. The kiosk, its pads and the
// display enrol and show their codes; the admin approves them; a button
// press prints a ticket whose QR code opens the ticket's status page; an
// officer calls it; the display shows it; a rating press reaches the
// server. No demo token is anywhere in the installed trees.
func TestFirstDay(t *testing.T) {
	needTool(t, "systemd-sysusers", "systemd")
	top := unpack(t, "amd64")
	addr := freeAddr(t)
	url := "http://" + addr
	roots := map[string]string{"server": t.TempDir(), "kiosk": t.TempDir(), "display": t.TempDir()}
	installFrom := func(role string, args ...string) {
		t.Helper()
		cmd := exec.Command("sh", append([]string{filepath.Join(top, "firmware-config", "install.sh"), role,
			"--root", roots[role], "--server", url, "--no-boot-config"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("install.sh %s: %v\n%s", role, err, out)
		}
	}
	installFrom("server")
	installFrom("kiosk")
	installFrom("display", "--config", "display-terminal.toml")
	for _, r := range roots {
		noDemoTokens(t, r)
	}
	in := func(role, p string) string { return filepath.Join(roots[role], p) }

	// The hall server, as its unit runs it, on a free port.
	hallserver := in("server", "usr/local/bin/hallserver")
	db := in("server", "var/lib/hallq/hallq.db")
	startProgram(t, "hallserver", hallserver, "-config", in("server", "etc/hallq/hall.toml"), "-db", db,
		"-addr", addr, "-sim-clock", hallMorning)
	waitHTTP(t, url+"/healthz")
	for _, u := range [][2]string{{"admin", "admin"}, {"canbo", "officer"}} {
		cmd := exec.Command(hallserver, "user", "add", "-db", db, "-username", u[0], "-role", u[1])
		cmd.Stdin = strings.NewReader("a-long-password-" + u[0] + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hallserver user add %s: %v\n%s", u[0], err, out)
		}
	}
	api := hallclient.New(url, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin := signIn(t, ctx, api, "admin")

	// The kiosk and the display, from their installed trees; the kiosk's
	// GPIO and printer are simulated, the display draws in a file.
	simAddr := freeAddr(t)
	tickets := filepath.Join(t.TempDir(), "tickets")
	kiosk := startProgram(t, "kiosk", in("kiosk", "usr/local/bin/kiosk"), "-config", in("kiosk", "etc/hallq/kiosk.toml"),
		"-state", in("kiosk", "var/lib/hallq-kiosk"), "-sim", "-sim-keys=false", "-sim-listen", simAddr, "-sim-out", tickets)
	screen := filepath.Join(t.TempDir(), "tty1") // standing in for the Pi's console
	if err := os.WriteFile(screen, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	startProgram(t, "display", in("display", "usr/local/bin/display"), "-config", in("display", "etc/hallq/display.toml"),
		"-state", in("display", "var/lib/hallq"), "-terminal-device", screen)

	// Four requests: the kiosk, its two pads, the display. Each shows its
	// code; the admin compares and approves (a pad with its counter).
	var reqs []hallq.Enrolment
	eventually(t, 60*time.Second, "four enrolment requests", func() bool {
		var err error
		if reqs, err = api.Enrolments(ctx, admin); err != nil {
			t.Fatal(err)
		}
		return len(reqs) == 4
	})
	padName := regexp.MustCompile(`-pad-([0-9]+)$`)
	for _, e := range reqs {
		var where string
		switch e.Kind {
		case "kiosk", "pad":
			where = kiosk.out.String()
		case "display":
			data, _ := os.ReadFile(screen)
			where = string(data)
		}
		if !strings.Contains(where, e.Code) {
			t.Errorf("%s %s: its code %s is not shown where a person reads it", e.Kind, e.Name, e.Code)
		}
		var counter int
		if e.Kind == "pad" {
			m := padName.FindStringSubmatch(e.Name)
			if m == nil {
				t.Fatalf("pad %s: no counter in its name", e.Name)
			}
			counter, _ = strconv.Atoi(m[1])
		}
		if err := api.ApproveEnrolment(ctx, admin, e.ID, counter); err != nil {
			t.Fatalf("approve %s: %v", e.Name, err)
		}
	}
	for _, f := range []string{in("kiosk", "var/lib/hallq-kiosk/kiosk.token"), in("kiosk", "var/lib/hallq-kiosk/pad-1.token"),
		in("kiosk", "var/lib/hallq-kiosk/pad-2.token"), in("display", "var/lib/hallq/display.token")} {
		eventually(t, 60*time.Second, "the token in "+f, func() bool {
			fi, err := os.Stat(f)
			return err == nil && fi.Mode().Perm() == 0o600
		})
	}
	eventually(t, 60*time.Second, "the kiosk enrolled and working", func() bool {
		resp, err := http.Get("http://" + simAddr + "/state")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return !strings.Contains(string(b), `"enrolling"`)
	})

	// The officer opens counter 1; a citizen presses the button of service A.
	officer := signIn(t, ctx, api, "canbo")
	if _, err := api.SetCounter(ctx, officer, 1, "open"); err != nil {
		t.Fatal(err)
	}
	press(t, simAddr, "A")
	png := filepath.Join(tickets, "ticket-0001.png")
	eventually(t, 60*time.Second, "the printed ticket", func() bool {
		fi, err := os.Stat(png)
		return err == nil && fi.Size() > 1000
	})
	status := qrOf(t, png)
	if !strings.HasPrefix(status, url+"/t/") {
		t.Errorf("the QR code holds %q, want the ticket's page on %s", status, url)
	}
	resp, err := http.Get(status)
	if err != nil {
		t.Fatalf("the QR code's page: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(page) == 0 {
		t.Errorf("the QR code's page %s: status %d", status, resp.StatusCode)
	}

	// The officer calls it; the display shows it.
	var called *hallq.Ticket
	eventually(t, 30*time.Second, "the ticket callable (its print confirmed)", func() bool {
		called, err = api.Next(ctx, officer, 1)
		return err == nil && called != nil
	})
	eventually(t, 30*time.Second, "the call on the display", func() bool {
		data, _ := os.ReadFile(screen)
		s := string(data)
		if i := strings.LastIndex(s, "\x1b[H\x1b[2J"); i >= 0 {
			s = s[i:]
		}
		return strings.Contains(s, called.Label) && strings.Contains(s, "→ 1")
	})

	// Service done; the citizen rates it on counter 1's pad.
	if _, err := api.Finish(ctx, officer, 1); err != nil {
		t.Fatal(err)
	}
	press(t, simAddr, "pad1-score3")
	eventually(t, 60*time.Second, "the rating on the server", func() bool {
		evs, err := api.AllEvents(ctx, admin, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type == hallq.EventRatingRecorded && e.Counter == 1 && e.Rating != nil && e.Rating.Score == 3 {
				return true
			}
		}
		return false
	})
	for _, r := range roots {
		noDemoTokens(t, r)
	}
}

func signIn(t *testing.T, ctx context.Context, api *hallclient.Client, user string) string {
	t.Helper()
	s, err := api.Login(ctx, user, "a-long-password-"+user)
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}

// qrOf reads the QR code on a printed ticket's image.
func qrOf(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code on %s: %v", path, err)
	}
	return res.GetText()
}

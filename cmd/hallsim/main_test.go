package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/version"
)

// TestMain lets the test binary stand in for hallsim when a test runs it
// as the hall server (hallsim starts itself with internal-hallserver).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == hallserverCmd {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"-version", "version"} {
		var out bytes.Buffer
		if code := run(context.Background(), []string{arg}, &out, &out); code != 0 || out.String() != "hallsim "+version.Version+"\n" {
			t.Errorf("hallsim %s: got %d %q, want 0 %q", arg, code, out.String(), "hallsim "+version.Version+"\n")
		}
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"nonsense"}, &out, &out); code != 2 || !strings.Contains(out.String(), "hallsim faults") {
		t.Errorf("got %d %q, want 2 and the usage", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"day", "-ratings", "x"}, &out, &out); code != 2 {
		t.Errorf("bad -ratings: got %d, want 2", code)
	}
	for _, args := range [][]string{
		{"forecast-backtest", "-weeks", "0"},
		{"forecast-backtest", "-end", "02/12/2026"},
		{"forecast-backtest", "extra"},
	} {
		out.Reset()
		if code := run(context.Background(), args, &out, &out); code != 2 || !strings.Contains(out.String(), "forecast-backtest") {
			t.Errorf("hallsim %v: got %d %q, want 2 naming the command", args, code, out.String())
		}
	}
	out.Reset()
	missing := filepath.Join(t.TempDir(), "missing.db")
	if code := run(context.Background(), []string{"forecast-backtest", "-db", missing, "-q"}, &out, &out); code != 1 || !strings.Contains(out.String(), "no such file") {
		t.Errorf("a missing database: got %d %q, want 1 saying there is no such file", code, out.String())
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("the backtest made %s", missing)
	}
}

func TestDayVirtual(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"day", "-virtual"}, &out, &out); code != 0 {
		t.Fatalf("got %d: %s", code, out.String())
	}
	if !strings.Contains(out.String(), "600 tickets (0 never called)") {
		t.Errorf("got %q, want the standard day's 600 tickets", out.String())
	}
	// 20 % booked by default: both of issue 19's measures are printed.
	for _, want := range []string{"booked 20 %", "slot start (or check-in, if later) to call", "walk-ins (", "predicted at most"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"day", "-booked", "0.2"}, &out, &out); code != 2 || !strings.Contains(out.String(), "-booked needs -virtual") {
		t.Errorf("-booked without -virtual: got %d %q, want 2 and a message", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"day", "-virtual", "-booked", "1.5"}, &out, &out); code != 2 || !strings.Contains(out.String(), "-booked: want a share") {
		t.Errorf("-booked 1.5: got %d %q, want 2 and a message", code, out.String())
	}
}

func TestDayVirtualSeeds(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"day", "-virtual", "-seeds", "1,3-4"}, &out, &out); code != 0 {
		t.Fatalf("got %d: %s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], "bias %") || !strings.Contains(lines[1], "prio MAE %") {
		t.Fatalf("got %q, want a header and a row for each of seeds 1, 3, 4", out.String())
	}
	for i, seed := range []string{"1", "3", "4"} {
		if f := strings.Fields(lines[2+i]); f[0] != seed || f[1] != "600" {
			t.Errorf("row %d: got %q, want seed %s with 600 tickets", i, lines[2+i], seed)
		}
	}
	for _, args := range [][]string{{"-virtual", "-seeds", "8-1"}, {"-virtual", "-seeds", "x"}, {"-seeds", "1-8"}} {
		out.Reset()
		if code := run(context.Background(), append([]string{"day"}, args...), &out, &out); code != 2 || !strings.Contains(out.String(), "-seeds") {
			t.Errorf("day %v: got %d %q, want 2 and a message naming -seeds", args, code, out.String())
		}
	}
}

// TestFaultsShort runs `hallsim faults -short`: kill -9 under load,
// display cuts, pads pressed while the server is down, paper out. It fails
// if any loss figure is not 0 (the command exits 1).
func TestFaultsShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hall servers")
	}
	// Bounds a hang only: a busy machine makes the run slower.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"faults", "-short"}, &out, &errOut)
	t.Logf("\n%s", out.String())
	if code != 0 {
		t.Fatalf("hallsim faults -short: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "ok: nothing lost") {
		t.Errorf("got %q, want the table and ok", out.String())
	}
}

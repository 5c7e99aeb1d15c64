package central_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/server/cli"
)

// TestCLICentral: staff accounts go into the central store with
// hallserver user add -db postgres://…, and hallserver -central serves
// them the reports.
func TestCLICentral(t *testing.T) {
	dsn := pgtest.NewDB(t)
	ctx := context.Background()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader("city-manager\n"), Stdout: &out, Stderr: &errb}
	if code := cli.Main(ctx, []string{"user", "add", "-db", dsn, "-username", "tp", "-role", "manager"}, env); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := cli.Main(ctx, []string{"user", "list", "-db", dsn}, cli.Env{Stdout: &out, Stderr: &errb}); code != 0 || !strings.Contains(out.String(), "tp") {
		t.Fatalf("user list: exit %d: %s %s", code, out.String(), errb.String())
	}

	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(runCtx, []string{"-central", "-db", dsn, "-addr", "127.0.0.1:0"},
			cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("-central exited %d before serving", code)
	case <-time.After(10 * time.Second):
		t.Fatal("-central: not serving after 10 s")
	}
	base := "http://" + addr
	var sum struct {
		Rows []any `json:"rows"`
	}
	get(t, base+"/api/v1/reports/summary?by=hall", login(t, base, "tp", "city-manager"), &sum)
	if code := status(t, base+"/healthz", ""); code != 200 {
		t.Errorf("healthz: got %d, want 200", code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("-central: exit %d after its context ended", code)
	}

	// A hall started with -central-dsn and -hall-id ships what it does.
	hallCtx, stopHall := context.WithCancel(ctx)
	go func() {
		done <- cli.Main(hallCtx, []string{"-demo", "-db", t.TempDir() + "/hall.db", "-addr", "127.0.0.1:0", "-central-dsn", dsn, "-hall-id", "loc-tho"},
			cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("hall exited %d before serving", code)
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(`{"service":"A"}`))
	req.Header.Set("Authorization", "Bearer demo-kiosk-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue a ticket: %v %v", resp, err)
	}
	resp.Body.Close()
	cdb, err := central.Open(ctx, dsn, central.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	waitFor(t, "the ticket in the central store", func() bool {
		seq, _ := cdb.HallSeq(ctx, "loc-tho")
		return seq > 0
	})
	stopHall()
	if code := <-done; code != 0 {
		t.Errorf("hall: exit %d after its context ended", code)
	}

	for _, args := range [][]string{
		{"-central-dsn", dsn},
		{"-hall-id", "hall-a"},
		{"-central-dsn", "hall.db", "-hall-id", "hall-a"},
		{"-central", "-db", "hall.db"},
		{"-central", "-db", dsn, "-demo"},
	} {
		if code := cli.Main(ctx, args, cli.Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}); code != 2 {
			t.Errorf("hallserver %v: got exit %d, want 2", args, code)
		}
	}
}

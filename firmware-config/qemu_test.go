package firmwareconfig_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallq/hallq/internal/syncbuf"
)

// TestArm64KioskUnderQemu runs the release's arm64 kiosk — the binary a
// Raspberry Pi gets — under qemu-aarch64 (Debian's qemu-user): it answers
// -version, and with -sim a press prints a ticket against a hall server,
// so the cross-built binary is exercised, not only compiled.
func TestArm64KioskUnderQemu(t *testing.T) {
	qemu := needTool(t, "qemu-aarch64", "qemu-user")
	arm := unpack(t, "arm64")
	kiosk := filepath.Join(arm, "bin", "kiosk")
	out, err := exec.Command(qemu, kiosk, "-version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "kiosk "+releaseVersion {
		t.Fatalf("qemu-aarch64 kiosk -version: %q, %v; want %q", out, err, "kiosk "+releaseVersion)
	}

	// The demo hall, from the amd64 release, and the arm64 kiosk with the
	// release's example config on simulated pins and printer.
	server := filepath.Join(unpack(t, "amd64"), "bin", "hallserver")
	dir := t.TempDir()
	url := "http://" + freeAddr(t)
	startProgram(t, "hallserver", server, "-demo", "-db", filepath.Join(dir, "hallq.db"), "-addr", strings.TrimPrefix(url, "http://"))
	waitHTTP(t, url+"/healthz")
	state := filepath.Join(dir, "state")
	demoTokens(t, state)
	simAddr := freeAddr(t)
	tickets := filepath.Join(dir, "tickets")
	startProgram(t, "kiosk (arm64)", qemu, kiosk, "-config", filepath.Join(arm, "firmware-config", "kiosk.toml"),
		"-server", url, "-state", state, "-sim", "-sim-keys=false", "-sim-listen", simAddr, "-sim-out", tickets)
	waitHTTP(t, "http://"+simAddr+"/state")
	press(t, simAddr, "A")
	png := filepath.Join(tickets, "ticket-0001.png")
	eventually(t, 60*time.Second, "the arm64 kiosk's ticket", func() bool {
		fi, err := os.Stat(png)
		return err == nil && fi.Size() > 1000
	})
}

// demoTokens puts the demo hall's tokens where the example kiosk.toml's
// kiosk looks for tokens it already has (its state directory).
func demoTokens(t *testing.T, state string) {
	t.Helper()
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"kiosk.token": "demo-kiosk-1", "pad-1.token": "demo-pad-1", "pad-2.token": "demo-pad-2"} {
		if err := os.WriteFile(filepath.Join(state, name), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// program is a started process and what it wrote.
type program struct {
	name string
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
}

// startProgram starts a program; the test stops it (SIGTERM, then kill)
// and shows its output if the test failed.
func startProgram(t *testing.T, name, bin string, args ...string) *program {
	t.Helper()
	p := &program{name: name, out: &syncbuf.Buffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Stdin = strings.NewReader("")
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s said:\n%s", name, p.out.String())
		}
	})
	return p
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	eventually(t, 60*time.Second, url, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// press presses a simulated kiosk's button through its control endpoint.
func press(t *testing.T, simAddr, button string) {
	t.Helper()
	resp, err := http.Post("http://"+simAddr+"/press/"+button, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("press %s: status %d", button, resp.StatusCode)
	}
}

// eventually polls cond until it holds or the (generous) deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("no %s within %v", what, within)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

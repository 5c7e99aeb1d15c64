package serverproc

import (
	"os"
	"runtime"
	"testing"
)

// TestReadOwnFigures: this process's memory and CPU as /proc has them.
func TestReadOwnFigures(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS || m.Anon <= 0 || m.Anon+m.File > m.RSS {
		t.Errorf("memory %+v: want RSS > 0, peak ≥ RSS, anonymous and file pages within RSS", m)
	}
	before, err := ReadCPU(0)
	if err != nil {
		t.Fatal(err)
	}
	// Burn CPU until the kernel has counted some (its unit is 10 ms).
	x := 0
	for after := before; after == before; after, _ = ReadCPU(0) {
		for i := range 1 << 20 {
			x += i
		}
	}
	if _, err := ReadMemory(-1); err == nil {
		t.Error("no process -1: got no error")
	}
	_ = x
}

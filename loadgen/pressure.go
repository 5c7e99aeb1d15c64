package loadgen

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Pressure is how much of a run the machine's tasks spent stalled, from
// Linux's pressure stall information (/proc/pressure): on a shared machine
// it tells a slow server from a busy neighbour.
type Pressure struct {
	CPU, IO float64 // share of wall time some task waited for CPU, for I/O
	Load1   float64 // 1-minute load average at the end of the run
}

// psiTotals reads the "some" totals (µs) of CPU and I/O pressure; zeros
// where the kernel has no PSI.
func psiTotals() (cpu, io int64) {
	return psiSome("/proc/pressure/cpu"), psiSome("/proc/pressure/io")
}

func psiSome(name string) int64 {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
	}
	return 0
}

func pressureSince(cpu0, io0 int64, elapsed time.Duration) Pressure {
	cpu1, io1 := psiTotals()
	us := float64(elapsed.Microseconds())
	p := Pressure{CPU: float64(cpu1-cpu0) / us, IO: float64(io1-io0) / us}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) > 0 {
			p.Load1, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	return p
}

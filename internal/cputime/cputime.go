// Package cputime gives the process's CPU time, for benchmarks that report
// what their work costs on a machine shared with other work: wall time also
// counts the waits for a core, CPU time does not.
package cputime

import (
	"testing"
	"time"
)

// Report adds the CPU time since start per unit (b.N units when n is 0) to
// b's figures as "cpu-ns/"+unit.
func Report(b *testing.B, start time.Duration, n int, unit string) {
	if n == 0 {
		n = b.N
	}
	b.ReportMetric(float64(Now()-start)/float64(n), "cpu-ns/"+unit)
}

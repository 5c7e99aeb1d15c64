package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes the report as a few aligned tables.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	srv := r.Target
	if r.Spawned {
		srv += " (spawned)"
	}
	fmt.Fprintf(tw, "server\t%s\n", srv)
	fmt.Fprintf(tw, "run\t%v, issuing %s\n", r.Elapsed.Round(time.Millisecond), r.IssueMode)
	if r.FsyncRate() > 0 {
		fmt.Fprintf(tw, "raw fsync rate\t%.0f/s (before %.0f/s, after %.0f/s; write+fsync of 512 B in %s)\n",
			r.FsyncRate(), r.FsyncBefore, r.FsyncAfter, r.FsyncDir)
	}
	if c := r.FsyncCanary; c.N > 0 {
		fmt.Fprintf(tw, "fsync during run\tp50 %s, p99 %s, max %s (%d samples, one per 10 ms)\n", ms(c.P50), ms(c.P99), ms(c.Max), c.N)
	}
	fmt.Fprintf(tw, "tickets issued\t%d (%.0f/s)", r.Issued, r.IssueThroughput)
	if r.FsyncRate() > 0 && r.Issued > 0 {
		fmt.Fprintf(tw, ", %.2f× the raw fsync rate", r.IssueThroughput/r.FsyncRate())
	}
	fmt.Fprintln(tw)
	if r.Memory != nil {
		fmt.Fprintf(tw, "server memory\tRSS %.1f MB, peak %.1f MB\n", mb(r.Memory.RSS), mb(r.Memory.Peak))
	}
	if r.Elapsed > 0 {
		cores := func(d time.Duration) float64 { return d.Seconds() / r.Elapsed.Seconds() }
		// CPU per unit of work: what each side costs, however busy the
		// machine (a ticket issued; an event received by a subscriber).
		per := func(d time.Duration) string {
			var parts []string
			if r.Issued > 0 {
				parts = append(parts, fmt.Sprintf("%.0f µs per ticket issued", float64(d.Microseconds())/float64(r.Issued)))
			}
			if n := r.Delivery.Received; n > 0 {
				parts = append(parts, fmt.Sprintf("%.1f µs per event received by a subscriber", float64(d.Microseconds())/float64(n)))
			}
			if len(parts) == 0 {
				return ""
			}
			return "; " + strings.Join(parts, ", ")
		}
		if r.ServerCPU > 0 {
			fmt.Fprintf(tw, "server CPU\t%.2f cores%s\n", cores(r.ServerCPU), per(r.ServerCPU))
		}
		fmt.Fprintf(tw, "hallsim CPU\t%.2f cores%s (same machine)\n", cores(r.ClientCPU), per(r.ClientCPU))
	}
	fmt.Fprintf(tw, "machine\tload %.2f; stalled on CPU %.0f%%, on I/O %.0f%% of the run (/proc/pressure, some)\n",
		r.Pressure.Load1, 100*r.Pressure.CPU, 100*r.Pressure.IO)
	fmt.Fprintf(tw, "open-file limit\t%d\n", r.FileLimit)
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "call\tok\t204\tfailed\tp50\tp90\tp99\tmax\t")
	for _, c := range r.Calls {
		l := c.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", c.Name, c.OK, c.Empty, c.Failed, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	tw.Flush()
	for _, c := range r.Calls {
		for _, k := range slices.Sorted(maps.Keys(c.Errors)) {
			fmt.Fprintf(w, "  %s failed: %s ×%d\n", c.Name, k, c.Errors[k])
		}
	}

	if r.Subscribers > 0 {
		d := r.Delivery
		fmt.Fprintf(w, "\ncall → display, %d subscribers, %d calls, %d events received (dropped as slow %d, lost %d, missed calls %d, out of order %d)\n",
			r.Subscribers, d.Calls, d.Received, r.Dropped, r.Lost, d.Missed, d.OutOfOrder)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "until\tn\tp50\tp90\tp99\tmax\t")
		fmt.Fprintf(tw, "last subscriber\t%d\t%s\t%s\t%s\t%s\t\n", d.Last.N, ms(d.Last.P50), ms(d.Last.P90), ms(d.Last.P99), ms(d.Last.Max))
		fmt.Fprintf(tw, "each subscriber\t%d\t%s\t%s\t%s\t%s\t\n", d.PerSub.N, ms(d.PerSub.P50), ms(d.PerSub.P90), ms(d.PerSub.P99), ms(d.PerSub.Max))
		fmt.Fprintf(tw, "first → last subscriber\t%d\t%s\t%s\t%s\t%s\t\n", d.Spread.N, ms(d.Spread.P50), ms(d.Spread.P90), ms(d.Spread.P99), ms(d.Spread.Max))
		tw.Flush()
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

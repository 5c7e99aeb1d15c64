package loadgen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FsyncRate measures the disk under dir: it writes a small block to a fresh
// file in dir and fsyncs it, over and over, for about d, and returns the
// fsyncs per second. This is the ceiling for one-transaction-per-ticket
// durable commits on that disk.
func FsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, ".hallsim-fsync-*")
	if err != nil {
		return 0, fmt.Errorf("loadgen: fsync probe: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 512)
	// One untimed round so the file's metadata is on disk first.
	if _, err := f.WriteAt(block, 0); err != nil {
		return 0, fmt.Errorf("loadgen: fsync probe: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("loadgen: fsync probe: %w", err)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		block[0] = byte(n)
		if _, err := f.WriteAt(block, 0); err != nil {
			return 0, fmt.Errorf("loadgen: fsync probe %s: %w", filepath.Base(f.Name()), err)
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("loadgen: fsync probe %s: %w", filepath.Base(f.Name()), err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// canaryEvery is how often the fsync canary syncs during a run.
const canaryEvery = 10 * time.Millisecond

// fsyncCanary writes and fsyncs a small file in dir every canaryEvery
// until ctx ends, and returns how long each fsync took: a stall of the
// disk during the run shows here as well as in the server's latencies.
func fsyncCanary(ctx context.Context, dir string) ([]time.Duration, error) {
	f, err := os.CreateTemp(dir, ".hallsim-canary-*")
	if err != nil {
		return nil, fmt.Errorf("loadgen: fsync canary: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 512)
	tick := time.NewTicker(canaryEvery)
	defer tick.Stop()
	var lat []time.Duration
	for {
		select {
		case <-ctx.Done():
			return lat, nil
		case <-tick.C:
		}
		start := time.Now()
		if _, err := f.WriteAt(block, 0); err != nil {
			return lat, fmt.Errorf("loadgen: fsync canary: %w", err)
		}
		if err := f.Sync(); err != nil {
			return lat, fmt.Errorf("loadgen: fsync canary: %w", err)
		}
		lat = append(lat, time.Since(start))
	}
}

//go:build !linux

package kiosk

import "time"

var processStart = time.Now()

// systemBootClock has no boot clock to offer off Linux: an empty boot id
// makes ages after a restart fall back to the wall clock.
func systemBootClock() (string, int64) { return "", int64(time.Since(processStart)) }

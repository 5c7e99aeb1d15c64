// Package version says which release a hallq binary came from. The release
// script sets both variables at link time:
//
//	go build -ldflags "-X github.com/hallq/hallq/internal/version.Version=v0.1.0 \
//	    -X github.com/hallq/hallq/internal/version.BuildTime=2026-11-27T03:00:00Z"
//
// Every command answers -version with "NAME VERSION", e.g. "kiosk v0.1.0".
package version

import (
	"runtime/debug"
	"time"
)

// Version is the release, e.g. "v0.1.0"; "dev" in a build from a checkout.
var Version = "dev"

// BuildTime is when the release was built, RFC 3339; empty in a build from
// a checkout, where Time falls back to the commit time Go records.
var BuildTime = ""

// Time is when the binary was built: BuildTime if set, else the VCS commit
// time recorded in the binary, else the zero time (go test, go run).
func Time() time.Time {
	if t, err := time.Parse(time.RFC3339, BuildTime); err == nil {
		return t
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}

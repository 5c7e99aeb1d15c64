package enrol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Identity is one device token a daemon holds and keeps: the token its
// config names, the one an earlier enrolment saved, or one it asks for now.
// While it has none it enrols — showing the code where a person reads it —
// and when the server says the token is revoked, it drops the saved token
// and enrols again. The daemon carries on throughout: parts that need the
// token wait for it or refuse politely until it comes.
type Identity struct {
	Server string // the hall server
	Name   string // the device's name on the server
	Kind   string // kiosk, display or pad
	// File is where an enrolled token is kept (mode 0600, in the daemon's
	// state directory, owned by the user it runs as).
	File string
	// Fixed is a token from the config. It is never enrolled over: if the
	// server revokes it, the log says to fix the config.
	Fixed string
	// Code returns the code for a new request; default NewCode. A display
	// that can show only digits asks for digits.
	Code func() string
	// Show is told what to show: the code while the device waits for the
	// admin, the rejection, and that it is enrolled. It must not block.
	Show func(Status)
	// Log receives what happens; default discards.
	Log *slog.Logger
	// Out receives the enroller's lines for a person (default: discarded;
	// Show and Log carry the same).
	Out io.Writer
	// MinWait and MaxWait bound the enroller's back-off (see Enroller).
	MinWait, MaxWait time.Duration
	// Retry is how long after a rejection the device asks again; default
	// 10 minutes (the admin may have rejected it by mistake; a flood of
	// requests is what the server's limits are for).
	Retry time.Duration

	mu      sync.Mutex
	token   string
	ready   chan struct{} // closed while there is a token
	revoked chan string
}

// Status is what a waiting device shows.
type Status struct {
	// Code is the code to tell the admin while waiting; "" once enrolled.
	Code string
	// Rejected: the admin rejected the last request (the device asks
	// again after Identity.Retry).
	Rejected bool
	// Err is a failure worth showing (the server refused the request).
	Err error
}

// Waiting reports whether the device waits for the admin.
func (s Status) Waiting() bool { return s.Code != "" || s.Rejected || s.Err != nil }

func (id *Identity) init() {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.ready == nil {
		id.ready = make(chan struct{})
		id.revoked = make(chan string, 1)
	}
}

// Token returns the token, or "" while the device waits for one.
func (id *Identity) Token() string {
	id.init()
	id.mu.Lock()
	defer id.mu.Unlock()
	return id.token
}

// Wait returns the token, waiting until there is one or ctx ends.
func (id *Identity) Wait(ctx context.Context) (string, error) {
	id.init()
	for {
		id.mu.Lock()
		tok, ready := id.token, id.ready
		id.mu.Unlock()
		if tok != "" {
			return tok, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// Revoked tells the identity that the server refused token as unknown or
// revoked (401): the device goes back to enrolment. A token that is no
// longer the current one is ignored.
func (id *Identity) Revoked(token string) {
	id.init()
	if token == "" {
		return
	}
	select {
	case id.revoked <- token:
	default:
	}
}

func (id *Identity) set(tok string) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if tok == id.token {
		return
	}
	id.token = tok
	if tok != "" {
		close(id.ready)
	} else {
		id.ready = make(chan struct{})
	}
}

func (id *Identity) show(s Status) {
	if id.Show != nil {
		id.Show(s)
	}
}

func (id *Identity) log() *slog.Logger {
	if id.Log != nil {
		return id.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Load takes the config's token or the saved one at once, without the
// network, so a daemon has its token from its first moment (Run would take
// it too, a moment later). An error only for a token file it cannot read.
func (id *Identity) Load() error {
	id.init()
	switch {
	case id.Fixed != "":
		id.set(id.Fixed)
	case id.Token() == "":
		tok, err := LoadToken(id.File)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		id.set(tok)
	}
	return nil
}

// Run keeps the identity until ctx ends: it takes the config's token or
// the saved one, else enrols; and after a revocation it enrols again.
func (id *Identity) Run(ctx context.Context) error {
	id.init()
	for ctx.Err() == nil {
		if id.Token() == "" {
			tok, err := id.obtain(ctx)
			if err != nil {
				return err
			}
			// The code leaves the screen before the token is handed out, so
			// whoever waits for the token never sees a stale code after.
			id.show(Status{})
			id.set(tok)
		}
		select {
		case <-ctx.Done():
		case tok := <-id.revoked:
			if tok != id.Token() {
				continue // about a token already replaced
			}
			if id.Fixed != "" {
				id.log().Error("the server refuses the token in the config (revoked?): replace it, or remove it so that the device enrols",
					"device", id.Name, "kind", id.Kind)
				continue
			}
			id.log().Warn("the server refuses the device's token (revoked?): enrolling again", "device", id.Name, "kind", id.Kind)
			if err := os.Remove(id.File); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("enrol: drop the revoked token: %w", err)
			}
			id.set("")
		}
	}
	return ctx.Err()
}

// obtain returns the config's token, the saved one, or a newly enrolled
// one; ctx's error if it ends first.
func (id *Identity) obtain(ctx context.Context) (string, error) {
	if id.Fixed != "" {
		return id.Fixed, nil
	}
	if tok, err := LoadToken(id.File); err == nil {
		return tok, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	newCode := id.Code
	if newCode == nil {
		newCode = NewCode
	}
	out := id.Out
	if out == nil {
		out = io.Discard
	}
	retry := id.Retry
	if retry <= 0 {
		retry = 10 * time.Minute
	}
	for {
		code := newCode()
		id.show(Status{Code: code})
		id.log().Info("enrolling: tell the hall's admin this code", "code", code, "device", id.Name, "kind", id.Kind, "server", id.Server)
		e := &Enroller{ServerURL: id.Server, Name: id.Name, Kind: id.Kind, TokenFile: id.File, Code: code,
			Out: out, MinWait: id.MinWait, MaxWait: id.MaxWait}
		tok, err := e.Run(ctx)
		switch {
		case err == nil:
			id.log().Info("enrolled: the admin approved the device", "device", id.Name, "kind", id.Kind)
			return tok, nil
		case ctx.Err() != nil:
			return "", ctx.Err()
		case errors.Is(err, ErrRejected):
			id.log().Warn("the admin rejected the device; asking again later", "device", id.Name, "retry_in", retry)
			id.show(Status{Rejected: true})
		default:
			id.log().Error("enrolment", "device", id.Name, "err", err, "retry_in", retry)
			id.show(Status{Err: err})
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// NewDigitsCode returns a random code of digits only, such as "481-592",
// for a display that can show nothing else (a 7-segment LED board).
func NewDigitsCode() string { return randomCode("0123456789") }

// DeviceName is the name a device asks to be enrolled under when its
// config names none: its host name and kind ("kiosk-entrance-kiosk").
// Raspberry Pi OS calls every Pi "raspberrypi" until someone names it, so
// such a Pi adds four characters of its machine id, and two of them do
// not ask for the same name.
func DeviceName(kind string) string {
	host, _ := os.Hostname()
	host = cleanName(strings.ToLower(strings.SplitN(host, ".", 2)[0]))
	if host == "" || host == "raspberrypi" || host == "localhost" {
		if host == "" {
			host = "device"
		}
		if id, err := os.ReadFile("/etc/machine-id"); err == nil && len(strings.TrimSpace(string(id))) >= 4 {
			host += "-" + strings.TrimSpace(string(id))[:4]
		}
	}
	return host + "-" + kind
}

// cleanName keeps the letters, digits, '.', '_' and '-' a device name may
// hold, and at most 48 of them.
func cleanName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	out := strings.TrimLeft(b.String(), "._-")
	if len(out) > 48 {
		out = out[:48]
	}
	return out
}

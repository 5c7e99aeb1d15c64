// Package enrol is the device side of zero-touch enrolment: a kiosk, pad or
// display that knows only the hall server's address asks for a token, shows
// a short code for the admin to compare, waits for approval and saves the
// token it then receives.
//
// A daemon keeps its token with an Identity: it enrols while it has none,
// shows the code where a person reads it, and enrols again when the server
// revokes the token. An Enroller is one enrolment on its own:
//
//	e := &enrol.Enroller{ServerURL: "http://hallq.local:8080", Name: "kiosk-entrance", Kind: "kiosk", TokenFile: "/var/lib/hallq/kiosk.token"}
//	token, err := e.Run(ctx)
//
// which returns at once with the saved token if the file already holds
// one. docs/API.md describes the server's side; docs/INSTALL.md shows the
// admin's part.
package enrol

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
)

// ErrRejected is returned when an admin rejected the request.
var ErrRejected = errors.New("enrol: an admin rejected this device's enrolment")

// Enroller asks a hall server for a device token.
type Enroller struct {
	// ServerURL is the hall server, e.g. http://192.168.1.10:8080.
	ServerURL string
	// Name is the device's name on the server (letters, digits, . _ -).
	Name string
	// Kind is kiosk, display or pad.
	Kind string
	// TokenFile is where the token is saved (mode 0600). If it already
	// holds a token, Run returns that without asking.
	TokenFile string
	// Code is shown to the admin; a random one when empty.
	Code string
	// Out receives the lines a person reads: the code to tell the admin.
	// Default os.Stderr, which journald keeps.
	Out io.Writer
	// Client makes the requests; default one with a 15 s timeout.
	Client *http.Client
	// MinWait and MaxWait bound the back-off between polls and retries
	// (default 2 s and 30 s).
	MinWait, MaxWait time.Duration
}

// Run returns the device's token: the one saved in TokenFile, or a new
// one. For a new one it sends the request, prints the code to Out, polls
// with back-off until an admin decides, saves the token and returns it.
// Network failures and a busy server are retried until ctx ends; a request
// that expired is made again with a new code. ErrRejected if an admin
// rejected it; an error for a request the server refuses as malformed.
func (e *Enroller) Run(ctx context.Context) (string, error) {
	if e.TokenFile == "" {
		return "", errors.New("enrol: no token file given")
	}
	if tok, err := LoadToken(e.TokenFile); err == nil {
		return tok, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for {
		tok, err := e.once(ctx)
		if errors.Is(err, errExpired) {
			e.printf("enrolment: the request expired or is gone; asking again with a new code")
			continue
		}
		if err != nil {
			return "", err
		}
		if err := SaveToken(e.TokenFile, tok); err != nil {
			return "", err
		}
		e.printf("enrolment: approved; token saved to %s", e.TokenFile)
		return tok, nil
	}
}

// errExpired: the server no longer knows the request.
var errExpired = errors.New("enrol: request expired")

// busy reports whether the server's refusal is a passing one: it was not
// reached, is busy, limits the rate of requests, or has as many requests
// waiting as it takes (from this address or in all) — places free up as
// the admin decides and as requests nobody polls expire, and the device
// should take one then, not hours later.
func busy(err error) bool {
	return hallclient.Transient(err) || hallclient.IsCode(err, hallq.EUNAVAILABLE, "")
}

// once makes one request and polls it to its end.
func (e *Enroller) once(ctx context.Context) (string, error) {
	code := e.Code
	if code == "" {
		code = NewCode()
	}
	c := e.client()
	b := e.backoff()
	var req *hallq.EnrolAnswer
	for req == nil {
		a, retry, err := c.Enrol(ctx, hallq.EnrolRequest{Name: e.Name, Kind: e.Kind, Code: code})
		switch {
		case err == nil && a.ID != "" && a.Secret != "":
			req = a
			continue
		case err == nil:
			return "", fmt.Errorf("enrol: the server's answer lacks the request's id or secret")
		case busy(err):
			e.printf("enrolment: server busy or unreachable (%v); retrying", err)
		default:
			return "", fmt.Errorf("enrol: the server refused the request: %w", err)
		}
		if err := b.wait(ctx, retry); err != nil {
			return "", err
		}
	}
	e.printf("enrolment: tell the hall's admin this code: %s  (device %s, %s, request %s, server %s)", code, e.Name, e.Kind, req.ID, e.ServerURL)
	b = e.backoff()
	for {
		// The server's retry_after_s is a hint; the back-off decides, and
		// only a refusal's Retry-After is obeyed.
		if err := b.wait(ctx, 0); err != nil {
			return "", err
		}
		a, retry, err := c.PollEnrolment(ctx, req)
		switch {
		case err == nil && a.State == hallq.EnrolApproved && a.Token != "":
			return a.Token, nil
		case err == nil && a.State == hallq.EnrolPending:
			// Still pending: keep waiting, slower and slower.
		case err == nil:
			return "", fmt.Errorf("enrol: polling: unexpected answer (state %q)", a.State)
		case hallclient.IsCode(err, hallq.EFORBIDDEN, "rejected"):
			return "", ErrRejected
		case hallclient.IsCode(err, hallq.ENOTFOUND, ""):
			return "", errExpired
		case busy(err):
			e.printf("enrolment: server busy or unreachable (%v); retrying", err)
			if err := b.wait(ctx, retry); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("enrol: polling: %w", err)
		}
	}
}

// client is the hall client the requests go through.
func (e *Enroller) client() *hallclient.Client {
	c := hallclient.New(e.ServerURL, 15*time.Second)
	if e.Client != nil {
		c.HTTP = e.Client
	}
	return c
}

func (e *Enroller) printf(format string, args ...any) {
	out := e.Out
	if out == nil {
		out = os.Stderr
	}
	fmt.Fprintf(out, format+"\n", args...)
}

// backoff waits between attempts: MinWait, then half as long again each
// time, up to MaxWait; never less than what the server asked for.
type backoff struct {
	next, max time.Duration
}

func (e *Enroller) backoff() *backoff {
	lo, hi := e.MinWait, e.MaxWait
	if lo <= 0 {
		lo = 2 * time.Second
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	return &backoff{next: lo, max: max(lo, hi)}
}

func (b *backoff) wait(ctx context.Context, atLeast time.Duration) error {
	d := min(max(b.next, atLeast), max(b.max, atLeast))
	b.next = min(b.next*3/2, b.max)
	if !pause.For(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// codeAlphabet leaves out letters and digits that are easily confused
// when read aloud or off a small screen (0/O, 1/I/L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewCode returns a random code such as "K7Q-2MX" for a device to show.
func NewCode() string { return randomCode(codeAlphabet) }

// randomCode is six random characters of alphabet, in two groups of three.
func randomCode(alphabet string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 7)
	for i, c := range b {
		if i == 3 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// LoadToken reads a saved token. An error wrapping os.ErrNotExist when
// the file is missing or empty.
func LoadToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("enrol: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("enrol: %s is empty: %w", path, os.ErrNotExist)
	}
	return tok, nil
}

// SaveToken writes token to path with mode 0600, atomically: a crash
// leaves the old file or the new one, never half of one.
func SaveToken(path, token string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".token-*")
	if err != nil {
		return fmt.Errorf("enrol: save token: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("enrol: save token: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("enrol: save token: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("enrol: save token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("enrol: save token: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("enrol: save token: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

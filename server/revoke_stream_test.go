package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq/server/servertest"
)

// openStream opens the stream with a bearer token and reads its snapshot.
func openStream(t *testing.T, h *servertest.Hall, token string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/stream"
	c, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { c.Close() })
	read(t, c)
	return c
}

// closedBy waits (generously) for the stream to end and returns how.
func closedBy(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

func revokedClose(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == websocket.ClosePolicyViolation && strings.Contains(ce.Text, "revoked")
}

// TestRevocationEndsStreams: revoking a device or disabling a staff
// account ends its open streams at once — the periodic re-check is set to
// an hour here, so only the revocation itself can end them — and the
// credentials no longer work. A revocation made behind the server's back
// (the hallserver command) ends the stream at the next re-check.
func TestRevocationEndsStreams(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	h.Server.Stream.SetRecheckPeriod(time.Hour)
	admin := h.Login("admin")

	tv := openStream(t, h, servertest.DisplayToken)
	other := openStream(t, h, servertest.KioskToken)
	if code := h.Do("POST", "/api/v1/devices/display-hall/revoke", admin, nil, nil); code != 200 && code != 204 {
		t.Fatalf("revoke the display: %d", code)
	}
	if err := closedBy(t, tv); !revokedClose(err) {
		t.Errorf("the revoked display's stream ended with %v, want a close 'credentials revoked'", err)
	}
	if code := h.Do("GET", "/api/v1/me", servertest.DisplayToken, nil, nil); code != 401 {
		t.Errorf("the revoked token still works: %d", code)
	}

	officer := h.Login("canbo2")
	console := openStream(t, h, officer)
	if code := h.Do("PUT", "/api/v1/users/canbo2", admin, map[string]any{"role": "officer", "disabled": true}, nil); code != 200 {
		t.Fatalf("disable canbo2: %d", code)
	}
	if err := closedBy(t, console); !revokedClose(err) {
		t.Errorf("the disabled officer's stream ended with %v, want a close 'credentials revoked'", err)
	}
	if code := h.Do("GET", "/api/v1/me", officer, nil, nil); code != 401 {
		t.Errorf("the disabled officer's session still works: %d", code)
	}

	// The kiosk's stream was not touched; revoked behind the server's
	// back, it ends at the next re-check.
	other.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, _, err := other.ReadMessage(); err != nil && !isTimeout(err) {
		t.Fatalf("another device's stream ended: %v", err)
	}
	h.Server.Stream.SetRecheckPeriod(20 * time.Millisecond)
	late := openStream(t, h, servertest.KioskToken)
	if err := h.Store.RevokeDevice(context.Background(), "kiosk-1"); err != nil {
		t.Fatal(err)
	}
	if err := closedBy(t, late); !revokedClose(err) {
		t.Errorf("a stream revoked behind the server's back ended with %v", err)
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

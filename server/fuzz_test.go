package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hallq/hallq/server/servertest"
)

// FuzzAPIBodies posts arbitrary bodies to the write routes and checks that
// every answer is a success or a JSON error with a code — never a 500,
// never a non-JSON answer.
func FuzzAPIBodies(f *testing.F) {
	h := servertest.Start(f, servertest.Options{})
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	targets := []struct{ path, token string }{
		{"/api/v1/tickets", servertest.KioskToken},
		{"/api/v1/ratings", servertest.PadToken(1)},
		{"/api/v1/counters/1/transfer", officer},
		{"/api/v1/counters/1/call", officer},
		{"/api/v1/login", ""},
		{"/api/v1/devices/heartbeat", servertest.KioskToken},
	}
	for _, s := range []string{
		`{"service":"A","idempotency_key":"k"}`, `{"service":"A","priority":"elderly"}`,
		`{"counter":1,"score":3,"device_seq":1,"age_ms":0}`, `{"service":"B"}`, `{"ticket":"x"}`,
		`{"username":"a","password":"b"}`, `{"printer":"ok","outbox":0}`, `{`, `null`, `[]`, `{"service":null}`,
		`{"service":"A","service":"B"}`, "{\"service\":\"\xff\"}", `{"counter":1e400}`,
	} {
		for i := range targets {
			f.Add(uint8(i), s)
		}
	}
	handler := h.Server.Handler()
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest("POST", tg.path, strings.NewReader(body))
		if tg.token != "" {
			req.Header.Set("Authorization", "Bearer "+tg.token)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: status %d %s", tg.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %q: status %d with body %q, want a JSON error", tg.path, body, rec.Code, rec.Body)
			}
		}
	})
}

package touch

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hallq/hallq"
)

func TestGuards(t *testing.T) {
	taken := 0
	h := Handler(Options{
		Hall: func(context.Context) (*hallq.HallView, error) { return &hallq.HallView{}, nil },
		Take: func(context.Context, string, string) Outcome { taken++; return Outcome{OK: true, Label: "1001"} },
	})
	tests := []struct {
		name   string
		method string
		host   string
		header bool
		want   int
	}{
		{"page from this machine", "GET", "127.0.0.1:8081", false, 200},
		{"page by another host name (DNS rebinding)", "GET", "evil.example:8081", false, 403},
		{"ticket from the page's script", "POST", "127.0.0.1:8081", true, 200},
		{"ticket from a cross-site form", "POST", "127.0.0.1:8081", false, 403},
		{"ticket by another host name", "POST", "evil.example", true, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/"
			var body *strings.Reader
			if tc.method == "POST" {
				path, body = "/ticket", strings.NewReader(`{"service":"A"}`)
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(tc.method, path, body)
			req.Host = tc.host
			if tc.header {
				req.Header.Set("X-Hallq-Kiosk", "1")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("got %d, want %d", rec.Code, tc.want)
			}
		})
	}
	if taken != 1 {
		t.Errorf("got %d tickets taken, want 1", taken)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "127.0.0.1"
	h.ServeHTTP(rec, req)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(rec.Body.String(), "touch.js") {
		t.Errorf("got CSP %q and a page without its script; want self-only and the embedded page", csp)
	}
}

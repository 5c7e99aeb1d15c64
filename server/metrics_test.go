package server_test

import (
	"strings"
	"testing"

	"github.com/hallq/hallq/server/servertest"
)

// TestMetrics: the Prometheus page counts what happened.
func TestMetrics(t *testing.T) {
	h := servertest.Start(t, servertest.Options{})
	issue(t, h, "A")
	issue(t, h, "A")
	issue(t, h, "C")
	officer := h.Login("canbo1")
	h.Do("POST", "/api/v1/counters/1/open", officer, nil, nil)
	h.Do("POST", "/api/v1/counters/1/next", officer, nil, nil)
	code, body := h.Raw("GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`hallq_tickets_issued_total{service="A"} 2`,
		`hallq_tickets_issued_total{service="C"} 1`,
		`hallq_tickets_called_total{service="A"} 1`,
		`hallq_waiting_tickets{service="A"} 1`,
		`hallq_waiting_tickets{service="C"} 1`,
		`hallq_websocket_clients 0`,
		`hallq_http_request_duration_seconds_count{route="POST /api/v1/tickets",status="201"} 3`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

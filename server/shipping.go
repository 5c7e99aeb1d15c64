package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/web/staff"
)

// CentralStatus is GET /api/v1/central/status (admin): how far the hall's
// log has been shipped to the central store (see central.Shipper).
type CentralStatus struct {
	// Configured: the hall ships to a central store (-central-dsn).
	Configured bool `json:"configured"`
	*central.Status
}

func (s *Server) centralStatus(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	out := CentralStatus{}
	if s.Shipper != nil {
		st := s.Shipper.Status(r.Context())
		out = CentralStatus{Configured: true, Status: &st}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ShipTo sets the hall up to ship its log to the central store at dsn as
// hallID: it returns the shipper, whose Run the caller starts (before or
// after the hall's), and wakes it after every commit. Call it before the
// hall runs.
func (s *Server) ShipTo(hallID, dsn string) (*central.Shipper, error) {
	if err := central.HallID(hallID); err != nil {
		return nil, hallq.Errorf(hallq.EINVALID, "%v", err)
	}
	if !central.IsDSN(dsn) {
		return nil, hallq.Errorf(hallq.EINVALID, "the central store must be a postgres:// URL")
	}
	hl := s.Hall
	sh := &central.Shipper{Hall: hallID, DSN: dsn, Source: hl.Store, Logger: s.Logger, Now: hl.Now,
		Head: func() (seq int64) {
			hl.View(func(e *queue.Engine, _ time.Time) { seq = e.LastSeq() })
			return seq
		},
		Profile: func() (p central.HallProfile) {
			hl.View(func(e *queue.Engine, now time.Time) {
				p.Settings, p.Services = e.Settings(), e.Services()
				for _, c := range e.Hall(now).Counters {
					p.Counters = append(p.Counters, central.CounterName{ID: c.ID, Name: c.Name})
				}
			})
			return p
		},
	}
	prev := hl.OnCommit
	hl.OnCommit = func(evs []hallq.Event) {
		if prev != nil {
			prev(evs)
		}
		sh.Notify()
	}
	s.Shipper = sh
	return sh, nil
}

// centralCollector reports shipping to the central store at scrape time;
// nothing while the hall ships nowhere, and no lag before the store has
// answered once (hallq_central_connected says it has not).
type centralCollector struct {
	s                                                       *Server
	connected, acked, pending, lag, shipped, head, diverged *prometheus.Desc
}

func newCentralCollector(s *Server) centralCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return centralCollector{s: s,
		connected: d("hallq_central_connected", "1 while the last exchange with the central store succeeded."),
		acked:     d("hallq_central_acked_seq", "Last event of the hall's log the central store holds."),
		head:      d("hallq_central_hall_seq", "Last event of the hall's log."),
		pending:   d("hallq_central_pending_events", "Events the central store does not hold yet."),
		lag:       d("hallq_central_lag_seconds", "Age of the oldest event the central store does not hold yet (0: none)."),
		shipped:   d("hallq_central_shipped_events_total", "Events shipped to the central store by this process."),
		diverged: d("hallq_central_diverged", "1 while shipping is stopped because the central store holds another history of this hall "+
			"(GET /api/v1/central/status says what resolves it)."),
	}
}

func (c centralCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.connected, c.acked, c.head, c.pending, c.lag, c.shipped, c.diverged} {
		ch <- d
	}
}

func (c centralCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.Shipper == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st := c.s.Shipper.Status(ctx)
	up := 0.0
	if st.Connected {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.connected, prometheus.GaugeValue, up)
	div := 0.0
	if st.Diverged != nil {
		div = 1
	}
	ch <- prometheus.MustNewConstMetric(c.diverged, prometheus.GaugeValue, div)
	ch <- prometheus.MustNewConstMetric(c.head, prometheus.GaugeValue, float64(st.HallSeq))
	ch <- prometheus.MustNewConstMetric(c.shipped, prometheus.CounterValue, float64(st.Shipped))
	if st.Acked != nil {
		ch <- prometheus.MustNewConstMetric(c.acked, prometheus.GaugeValue, float64(*st.Acked))
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(*st.Pending))
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, *st.LagSeconds)
	}
}

// alerts are what admins and managers see on every staff page until it is
// resolved: the hall's shipping stopped by another history.
func (s *Server) alerts(ctx context.Context, lang string) []string {
	if s.Shipper == nil {
		return nil
	}
	if d := s.Shipper.Status(ctx).Diverged; d != nil {
		return []string{fmt.Sprintf(staff.Embedded().T(lang, "alert.central_diverged"), d.After, d.Resolve)}
	}
	return nil
}

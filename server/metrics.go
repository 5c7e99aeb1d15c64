package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers can live in one test process.
type metrics struct {
	reg      *prometheus.Registry
	issued   *prometheus.CounterVec
	called   *prometheus.CounterVec
	events   prometheus.Counter
	streams  prometheus.Gauge
	requests *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hallq_tickets_issued_total", Help: "Tickets issued, by service.",
		}, []string{"service"}),
		called: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hallq_tickets_called_total", Help: "Tickets called (first calls), by service.",
		}, []string{"service"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hallq_events_total", Help: "Events committed to the log.",
		}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hallq_websocket_clients", Help: "Open event-stream websocket connections.",
		}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hallq_http_request_duration_seconds",
			Help:    "API request latency, by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "status"}),
	}
	m.reg.MustRegister(m.requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.Hall == nil {
		return m // central mode: no hall to count
	}
	waiting := prometheus.NewDesc("hallq_waiting_tickets", "Tickets waiting now, by service.", []string{"service"}, nil)
	dropped := prometheus.NewDesc("hallq_websocket_dropped_total", "Stream clients dropped for being too slow.", nil, nil)
	m.reg.MustRegister(m.issued, m.called, m.events, m.streams, newCentralCollector(s),
		collectorFunc{desc: waiting, collect: func(ch chan<- prometheus.Metric) {
			var v hallq.HallView
			s.Hall.View(func(e *queue.Engine, now time.Time) { v = e.Hall(now) })
			for _, sv := range v.Services {
				ch <- prometheus.MustNewConstMetric(waiting, prometheus.GaugeValue, float64(sv.Waiting), sv.Code)
			}
		}},
		collectorFunc{desc: dropped, collect: func(ch chan<- prometheus.Metric) {
			ch <- prometheus.MustNewConstMetric(dropped, prometheus.CounterValue, float64(s.Hall.Hub.DroppedTotal()))
		}},
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) observeEvents(evs []hallq.Event) {
	for _, ev := range evs {
		m.events.Inc()
		if ev.Ticket == nil {
			continue
		}
		switch ev.Type {
		case hallq.EventTicketIssued:
			m.issued.WithLabelValues(ev.Ticket.Service).Inc()
		case hallq.EventTicketCalled:
			// First calls only: a re-queued no-show called again is not a new visit.
			if ev.Ticket.CalledAt != nil && ev.Ticket.CalledAt.Equal(ev.At) {
				m.called.WithLabelValues(ev.Ticket.Service).Inc()
			}
		}
	}
}

func (m *metrics) observeRequest(route string, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
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

// collectorFunc is a collector computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

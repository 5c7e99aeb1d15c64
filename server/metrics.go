package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/queue"
)

// metrics are the hall's own Prometheus metrics, beside the request
// latencies every server has (api.Metrics).
type metrics struct {
	issued  *prometheus.CounterVec
	called  *prometheus.CounterVec
	events  prometheus.Counter
	streams prometheus.Gauge
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
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
	}
	waiting := prometheus.NewDesc("hallq_waiting_tickets", "Tickets waiting now, by service.", []string{"service"}, nil)
	dropped := prometheus.NewDesc("hallq_websocket_dropped_total", "Stream clients dropped for being too slow.", nil, nil)
	s.api.Metrics.Registry.MustRegister(m.issued, m.called, m.events, m.streams, newCentralCollector(s),
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

// collectorFunc is a collector computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

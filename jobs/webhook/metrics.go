package webhook

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// collectTimeout bounds the count of parked events at each scrape.
const collectTimeout = 2 * time.Second

var (
	parkedDesc = prometheus.NewDesc("roomcast_webhook_parked",
		"Webhook events parked after their last failed try, every tenant.", nil, nil)
	deliveriesDesc = prometheus.NewDesc("roomcast_webhook_deliveries_total",
		"Webhook delivery outcomes by endpoint queue: delivered (events), failed (attempts), parked and dropped (events).",
		[]string{"endpoint", "result"}, nil)
	depthDesc = prometheus.NewDesc("roomcast_webhook_queue_depth",
		"Events waiting in an endpoint's queue, as last seen.", []string{"endpoint"}, nil)
)

// metrics exports a Dispatcher's counters.
type metrics struct{ d *Dispatcher }

// Collector exports the Dispatcher's metrics to Prometheus.
func (d *Dispatcher) Collector() prometheus.Collector { return metrics{d} }

func (m metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- parkedDesc
	ch <- deliveriesDesc
	ch <- depthDesc
}

func (m metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	if n, err := m.d.parking.Count(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(parkedDesc, prometheus.GaugeValue, float64(n))
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	for name, q := range m.d.queues {
		s := q.stats.snapshot()
		for result, v := range map[string]uint64{"delivered": s.Delivered, "failed": s.Failures, "parked": s.Parked, "dropped": s.Dropped} {
			ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(v), name, result)
		}
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(q.depth.Load()), name)
	}
}

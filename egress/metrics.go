package egress

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Lister lists jobs: a Manager (this process's jobs) or the job bus's
// client (every worker's, as last reported).
type Lister interface {
	List(ctx context.Context, f Filter) ([]Info, error)
}

// Metrics exports the jobs of a Lister to Prometheus, read from their
// state at scrape time, and the latency the jobs add up to the RTMP
// write, by path (passthrough, transcode, composite). Labels
// carry the tenant (for per-tenant dashboards and billing) and job and
// output ids only: never a URL, which may hold a key.
type Metrics struct {
	m       Lister
	latency prometheus.Histogram // passed-through video, as before the paths
	byPath  *prometheus.HistogramVec
	paths   [media.PathComposite + 1]prometheus.Observer // byPath's children, looked up once

	jobs, bytes, reconnects, dropped, live, encode *prometheus.Desc
	segments, degraded, recDropped                 *prometheus.Desc
	canvasFrames, canvasOutputs                    *prometheus.Desc
}

// NewMetrics registers the egress metrics of m with reg.
func NewMetrics(reg prometheus.Registerer, m Lister) *Metrics {
	out := []string{"tenant", "egress", "output"}
	buckets := prometheus.ExponentialBuckets(0.002, 1.15, 48) // 2 ms … 1.4 s, 15 % steps
	x := &Metrics{
		m: m,
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "roomcast_egress_rtmp_latency_seconds",
			Help:    "Time from a unit's RTP arrival to its RTMP write (passed-through video).",
			Buckets: buckets,
		}),
		byPath: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roomcast_egress_latency_seconds",
			Help: "Time from the RTP arrival of a video frame (of the newest input frame a composed one shows) to its RTMP write, " +
				"by mode: passthrough (sent on untouched), transcode (one input decoded and encoded again), composite (several inputs).",
			Buckets: buckets,
		}, []string{"mode"}),
		jobs:       prometheus.NewDesc("roomcast_egress_jobs", "Egress jobs by status.", []string{"tenant", "status"}, nil),
		bytes:      prometheus.NewDesc("roomcast_egress_output_bytes_total", "Bytes written by an output.", out, nil),
		reconnects: prometheus.NewDesc("roomcast_egress_output_reconnects_total", "Reconnections of an output.", out, nil),
		dropped:    prometheus.NewDesc("roomcast_egress_output_dropped_frames_total", "Units an output dropped (slow target, waiting for a keyframe).", out, nil),
		live:       prometheus.NewDesc("roomcast_egress_output_live", "1 while an output is live.", out, nil),
		encode:     prometheus.NewDesc("roomcast_egress_encode_seconds_total", "Time a job spent encoding audio and video.", []string{"tenant", "egress"}, nil),
		segments:   prometheus.NewDesc("roomcast_egress_record_segments_total", "Segments a record output closed and spooled.", []string{"tenant", "egress"}, nil),
		degraded: prometheus.NewDesc("roomcast_egress_record_degraded",
			"1 while a record output is degraded: uploads failing, the spool low or full, segments dropped.", []string{"tenant", "egress"}, nil),
		recDropped: prometheus.NewDesc("roomcast_egress_record_dropped_total",
			"What a full spool cost a recording: kind segment or raw (track part).", []string{"tenant", "egress", "kind"}, nil),
		canvasFrames: prometheus.NewDesc("roomcast_egress_canvas_frames_encoded_total",
			"Frames a canvas composed and encoded: once per frame however many outputs read it.", []string{"tenant", "egress", "canvas"}, nil),
		canvasOutputs: prometheus.NewDesc("roomcast_egress_canvas_outputs", "Outputs reading a canvas.", []string{"tenant", "egress", "canvas"}, nil),
	}
	for _, p := range []media.Path{media.PathPassthrough, media.PathTranscode, media.PathComposite} {
		x.paths[p] = x.byPath.WithLabelValues(p.String()) // every mode from the start, for rate() and the bench
	}
	reg.MustRegister(x, x.latency, x.byPath)
	return x
}

// ObserveLatency records the RTP-arrival-to-RTMP-write latency of u.
// Units that came in as they are (the ingest's, unknown paths) are not
// counted.
func (x *Metrics) ObserveLatency(u *media.Unit, d time.Duration) {
	if u.Path == media.PathSource || int(u.Path) >= len(x.paths) {
		return
	}
	x.paths[u.Path].Observe(d.Seconds()) // per unit and output: no label lookup
	if u.Path == media.PathPassthrough {
		x.latency.Observe(d.Seconds())
	}
}

// Describe implements prometheus.Collector.
func (x *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{x.jobs, x.bytes, x.reconnects, x.dropped, x.live, x.encode, x.segments, x.degraded, x.recDropped, x.canvasFrames, x.canvasOutputs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (x *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	jobs, _ := x.m.List(ctx, Filter{})
	type tenantStatus struct{ tenant, status string }
	byStatus := map[tenantStatus]int{}
	for _, j := range jobs {
		byStatus[tenantStatus{j.Tenant, j.Status}]++
		if !j.Active() {
			continue // ended jobs leave the per-job series
		}
		ch <- prometheus.MustNewConstMetric(x.encode, prometheus.CounterValue, j.EncodeSeconds, j.Tenant, j.ID)
		for _, o := range j.Outputs.RTMP {
			x.output(ch, j.Tenant, j.ID, o)
		}
		if r := j.Outputs.Record; r != nil {
			x.record(ch, j.Tenant, j.ID, r)
		}
		for _, c := range j.Canvases {
			ch <- prometheus.MustNewConstMetric(x.canvasFrames, prometheus.CounterValue, float64(c.FramesEncoded), j.Tenant, j.ID, c.Name)
			ch <- prometheus.MustNewConstMetric(x.canvasOutputs, prometheus.GaugeValue, float64(c.Outputs), j.Tenant, j.ID, c.Name)
		}
	}
	for k, n := range byStatus {
		ch <- prometheus.MustNewConstMetric(x.jobs, prometheus.GaugeValue, float64(n), k.tenant, k.status)
	}
}

func (x *Metrics) output(ch chan<- prometheus.Metric, tenant, job string, o RTMPInfo) {
	live := 0.0
	if o.State == StateLive {
		live = 1
	}
	ch <- prometheus.MustNewConstMetric(x.bytes, prometheus.CounterValue, float64(o.Bytes), tenant, job, o.ID)
	ch <- prometheus.MustNewConstMetric(x.reconnects, prometheus.CounterValue, float64(o.Reconnects), tenant, job, o.ID)
	ch <- prometheus.MustNewConstMetric(x.dropped, prometheus.CounterValue, float64(o.DroppedFrames), tenant, job, o.ID)
	ch <- prometheus.MustNewConstMetric(x.live, prometheus.GaugeValue, live, tenant, job, o.ID)
}

func (x *Metrics) record(ch chan<- prometheus.Metric, tenant, job string, r *RecordInfo) {
	live, degraded := 0.0, 0.0
	switch r.State {
	case StateLive:
		live = 1
	case StateDegraded:
		live, degraded = 1, 1
	}
	ch <- prometheus.MustNewConstMetric(x.bytes, prometheus.CounterValue, float64(r.Bytes), tenant, job, "record")
	ch <- prometheus.MustNewConstMetric(x.live, prometheus.GaugeValue, live, tenant, job, "record")
	ch <- prometheus.MustNewConstMetric(x.segments, prometheus.CounterValue, float64(r.Segments), tenant, job)
	ch <- prometheus.MustNewConstMetric(x.degraded, prometheus.GaugeValue, degraded, tenant, job)
	var d RecordDropped
	if r.Dropped != nil {
		d = *r.Dropped
	}
	ch <- prometheus.MustNewConstMetric(x.recDropped, prometheus.CounterValue, float64(d.Segments), tenant, job, "segment")
	ch <- prometheus.MustNewConstMetric(x.recDropped, prometheus.CounterValue, float64(d.Raw), tenant, job, "raw")
}

package egress

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/pipeline/media"
)

type noJobs struct{}

func (noJobs) List(context.Context, Filter) ([]Info, error) { return nil, nil }

// The latency goes to the histogram of the unit's path; passed-through
// video also to the older passthrough-only histogram; units that came in
// as they are to neither.
func TestMetricsLatencyByPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	x := NewMetrics(reg, noJobs{})
	for _, p := range []media.Path{media.PathPassthrough, media.PathPassthrough, media.PathTranscode, media.PathComposite, media.PathSource} {
		x.ObserveLatency(&media.Unit{Path: p}, 40*time.Millisecond)
	}
	counts := gatherCounts(t, reg)
	want := map[string]uint64{
		"passthrough": 2, "transcode": 1, "composite": 1,
		"": 2, // roomcast_egress_rtmp_latency_seconds
	}
	for mode, n := range want {
		if got := counts[mode]; got != n {
			t.Errorf("mode %q: %d observations, want %d", mode, got, n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("latency series %v, want %v", counts, want)
	}
}

// gatherCounts returns the observation counts of the latency histograms
// by mode label ("" for the one without).
func gatherCounts(t *testing.T, reg *prometheus.Registry) map[string]uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "roomcast_egress_latency_seconds" && mf.GetName() != "roomcast_egress_rtmp_latency_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			mode := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "mode" {
					mode = l.GetValue()
				}
			}
			counts[mode] = m.GetHistogram().GetSampleCount()
		}
	}
	return counts
}

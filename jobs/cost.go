package jobs

import (
	"runtime"

	"github.com/roomcast/roomcast/egress"
)

// Job kinds, by what the worker must do with the video.
const (
	KindPassthrough = "passthrough" // H.264 passed through: no video encode
	KindTranscode   = "transcode"   // one participant's video decoded and encoded
	KindComposite   = "composite"   // several participants' video switched or mixed
)

// Costs are each kind's CPU cost, in percent of one core (`make bench`
// measures them); a worker's capacity is in the same unit.
type Costs struct {
	Passthrough, Transcode, Composite int
	// Tiles prices composites by layout and tile count (Composite is
	// the price of a layout it has no figures for).
	Tiles map[string]TileCosts
	// Rendition is the price of each canvas beyond the main one.
	Rendition int
}

// Price is the cost of a job of kind: for a composite, by its layout,
// the room's video participants, its canvas and renditions.
func (c Costs) Price(kind string, spec egress.Spec, videos int) int {
	if kind != KindComposite {
		return c.Of(kind)
	}
	return c.compositeCost(spec, videos)
}

// DefaultCosts are the figures `make bench` (BenchmarkJobCost) measured
// for a worker process on the reference 2-core machine at 1280x720,
// 30 fps, one RTMP output — 7.8, 41.4 and 44.1 % of a core — rounded up.
var DefaultCosts = Costs{Passthrough: 10, Transcode: 45, Composite: 50, Tiles: DefaultTileCosts, Rendition: DefaultRenditionCost}

// Of is the cost of a kind.
func (c Costs) Of(kind string) int {
	switch kind {
	case KindPassthrough:
		return c.Passthrough
	case KindTranscode:
		return c.Transcode
	}
	return c.Composite
}

// DefaultCapacity is 80 % of every core of this machine.
func DefaultCapacity() int { return 80 * runtime.NumCPU() }

// RoomVideo describes the video a room offers, for Classify.
type RoomVideo struct {
	Participant string
	Codec       string // e.g. "H264", "VP8"
}

// Classify names the kind of a job from its spec and the room's video
// tracks: one H.264 source shown alone (layout single, or a speaker
// layout with one video) passes through; one VP8 source shown alone is
// transcoded; anything composed (grid, presentation, custom, or a speaker
// layout over several videos) is a composite.
func Classify(spec egress.Spec, videos []RoomVideo) string {
	switch {
	case spec.Layout == egress.LayoutGrid, spec.Layout == egress.LayoutPresentation, spec.Layout == egress.LayoutCustom:
		return KindComposite
	case len(spec.Canvases) > 0:
		return KindComposite // every canvas is composed and encoded
	}
	var sources []RoomVideo
	for _, v := range videos {
		if spec.Layout != egress.LayoutSingle || v.Participant == spec.Participant {
			sources = append(sources, v)
		}
	}
	switch {
	case len(sources) > 1:
		return KindComposite
	case len(sources) == 1 && (sources[0].Codec != "H264" || spec.Branding.Overlays()):
		return KindTranscode // a logo or title cannot ride on passed-through video
	}
	return KindPassthrough
}

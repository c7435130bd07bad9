package jobs

import (
	"runtime"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// Job kinds, by what the worker may have to do with the video.
const (
	KindTranscode = "transcode" // one participant's video shown alone: decoded and encoded (or passed through)
	KindComposite = "composite" // several participants' videos composed, or several canvases
)

// Costs price jobs, in percent of one core (`make bench` measures them);
// a worker's capacity is in the same unit.
type Costs struct {
	// Transcode is the price of one participant's video shown alone.
	Transcode int
	// Composite is the price of a composite layout Tiles has no figures for.
	Composite int
	// Tiles prices composites by layout and tile count.
	Tiles map[string]TileCosts
	// Rendition is the price of each canvas beyond the main one.
	Rendition int
}

// Price is what a job may need, and its kind, from its spec alone: the
// room changes under a running job (participants join, a camera is VP8
// or H.264, a layout is PATCHed), so the price is the most the spec lets
// the job do, and the worker raises it when the job measures more.
//
//   - single, and speaker without thumbnails, show one camera: H.264
//     may pass through, VP8 (or any branding) must be transcoded, and
//     nothing in the spec tells which, so they take the transcode price;
//   - grid and speaker with thumbnails show everyone: their tile price
//     at the room's participant limit (roomLimit; 0 or over 25: 25);
//   - presentation shows a screen and max_cameras cameras, or, while
//     nobody shares, everyone like speaker: the dearer of the two;
//   - custom shows its regions, priced as a grid of as many tiles;
//   - a canvas larger or faster than 1280x720 at 30 fps scales the
//     price up, and each rendition adds Rendition (scaled the same way).
func (c Costs) Price(spec types.Spec, roomLimit int) (kind string, cost int) {
	if roomLimit <= 0 || roomLimit > tile.MaxTiles {
		roomLimit = tile.MaxTiles
	}
	kind, cost = c.layoutPrice(spec.LayoutSpec, roomLimit)
	cost = scaleByCanvas(cost, spec.Video.Width, spec.Video.Height, spec.Video.FPS)
	for _, cv := range spec.Canvases {
		kind = KindComposite // every canvas is composed and encoded
		cost += scaleByCanvas(c.Rendition, cv.Width, cv.Height, spec.Video.FPS)
	}
	return kind, cost
}

// layoutPrice prices the main canvas's layout at 1280x720 30 fps.
func (c Costs) layoutPrice(l types.LayoutSpec, roomLimit int) (string, int) {
	switch l.Layout {
	case types.LayoutSingle:
		return KindTranscode, c.Transcode
	case types.LayoutSpeaker, "":
		if !l.ShowThumbnails() {
			return KindTranscode, c.Transcode
		}
		return KindComposite, c.tileCost(types.LayoutSpeaker, roomLimit)
	case types.LayoutPresentation:
		cams := l.MaxCameras
		if cams == 0 {
			cams = tile.DefaultMaxCameras
		}
		sharing := c.tileCost(types.LayoutPresentation, min(roomLimit, 1+max(cams, 0)))
		return KindComposite, max(sharing, c.tileCost(types.LayoutSpeaker, roomLimit))
	case types.LayoutCustom:
		return KindComposite, c.tileCost(types.LayoutGrid, min(max(len(l.Regions), 1), tile.MaxTiles))
	}
	return KindComposite, c.tileCost(l.Layout, roomLimit)
}

// tileCost is layout's price for n tiles, or Composite without figures.
func (c Costs) tileCost(layout string, n int) int {
	if cost, ok := c.Tiles[layout].at(n); ok {
		return cost
	}
	return c.Composite
}

// DefaultCosts are the figures `make bench` (BenchmarkJobCost,
// BenchmarkComposite) measured for a worker process on the reference
// 2-core machine at 1280x720, 30 fps, one RTMP output (a transcode 41.4 %
// of a core, a composite 44.1), rounded up.
var DefaultCosts = Costs{Transcode: 45, Composite: 50, Tiles: DefaultTileCosts, Rendition: DefaultRenditionCost}

// DefaultCapacity is 80 % of every core of this machine.
func DefaultCapacity() int { return 80 * runtime.NumCPU() }
